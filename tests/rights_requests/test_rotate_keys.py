import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from rights_requests.models import DataSubject


@pytest.mark.django_db
def test_rotation_reencrypts_so_the_old_key_can_be_removed(make_subject, settings, capsys):
    subjects = [make_subject(first_name=f"P{n}") for n in range(3)]
    numbers = {s.pk: s.personal_number.digits for s in subjects}
    new_key = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new_key, *settings.PII_ENCRYPTION_KEYS]
    call_command("rotate_pii_keys", batch_size=2)
    assert "re-encrypted 3" in capsys.readouterr().out
    settings.PII_ENCRYPTION_KEYS = [new_key]
    for subject in DataSubject.objects.all():
        assert subject.personal_number.digits == numbers[subject.pk]
