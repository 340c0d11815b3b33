class CisRouter:
    """Keep the portal's models out of the demo customer information system database.

    The `cis` alias is an outside system reached only through raw SQL by the SQL
    connector and built by `seed_demo`; Django never migrates it.
    """

    def db_for_read(self, model, **hints):
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
