"""Start the whole portal for development: web server, Celery worker and Celery beat.

    DEBUG=true python manage.py runportal [--port 8000] [--host 127.0.0.1]

The three run as child processes with their output interleaved and labelled. Ctrl-C
(or SIGTERM) stops all three; if one of them exits, the others are stopped too, so a
half-running portal is never left behind. On the embedded defaults (SQLite, kombu's
filesystem broker under var/broker) nothing needs to be installed. In production run
gunicorn, `celery worker` and exactly one `celery beat` instead (README, "Production").
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run web server, Celery worker and Celery beat together (development)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("PORTAL_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORTAL_PORT", "8000")))
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Worker processes (default 2)."
        )

    def handle(self, *args, host, port, concurrency, **options):
        if not settings.DEBUG:
            raise CommandError(
                "runportal is the development server (DEBUG=true). In production run "
                "gunicorn, a Celery worker and one Celery beat (README, Production)."
            )
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        commands = {
            "web": [python, manage, "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            for key in ("data_folder_in", "processed_folder"):
                os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        processes: dict[str, subprocess.Popen] = {}
        selector = selectors.DefaultSelector()
        for name, command in commands.items():
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes[name] = process
            selector.register(process.stdout, selectors.EVENT_READ, name)

        self.print_banner(host, port)
        sweep_queued = False
        stopping = {"flag": False}

        def stop(signum=None, frame=None):
            stopping["flag"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        width = max(len(name) for name in commands)
        try:
            while not stopping["flag"]:
                for key, _mask in selector.select(timeout=0.5):
                    line = key.fileobj.readline()
                    if line:
                        text = line.decode(errors="replace").rstrip()
                        self.stdout.write(f"{key.data:<{width}} | {text}")
                        if not sweep_queued and key.data == "worker" and " ready." in text:
                            self.queue_deadline_sweep()
                            sweep_queued = True
                    else:
                        selector.unregister(key.fileobj)
                exited = [name for name, p in processes.items() if p.poll() is not None]
                if exited:
                    self.stderr.write(
                        f"{', '.join(exited)} stopped (exit code "
                        f"{processes[exited[0]].returncode}); stopping the others."
                    )
                    break
        finally:
            self.stop_all(processes)
        failed = [name for name, p in processes.items() if p.returncode not in (0, -2, -15)]
        if failed and not stopping["flag"]:
            raise CommandError(f"{', '.join(failed)} failed; see the log above.")

    def queue_deadline_sweep(self) -> None:
        """Beat first fires an interval entry one interval after it starts: queue one
        deadline sweep as soon as the worker listens (the embedded broker drops what is
        published before the worker has bound its queue), so the states are current from
        the start and the log shows the sweep."""
        from rights_requests.tasks import deadline_sweep

        deadline_sweep.delay()
        self.stdout.write(
            "Queued a deadline sweep; beat repeats it every "
            f"{settings.CELERY_BEAT_SCHEDULE['deadline-sweep']['schedule']}."
        )

    def stop_all(self, processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.stdout.write("Portal stopped.")

    def print_banner(self, host: str, port: int) -> None:
        from rights_requests.management.commands.seed_demo import CUSTOMERS, DEMO_PASSWORD, STAFF

        base = f"http://{host}:{port}"
        lines = [
            "",
            "DSR portal (development: SQLite, embedded broker, e-mail to files)",
            f"  Customer portal   {base}/            (English: {base}/en/)",
            f"  Sign in           {base}/identity/   demo e-ID people:",
        ]
        for customer in CUSTOMERS:
            lines.append(f"                      {customer['first_name']} {customer['last_name']}")
        lines += [
            f"  Staff admin       {base}/admin/      password for every demo user: {DEMO_PASSWORD}",
            "                    users: " + ", ".join(username for username, *_ in STAFF),
            "                    second factor: make totp USER=<user>   (prints the current code)",
            f"  DPO dashboard     {base}/admin/dashboard/",
            f"  E-mails written to {settings.EMAIL_FILE_PATH}",
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write("\n".join(lines))
