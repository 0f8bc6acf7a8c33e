"""Background tasks of the members app: thin wrappers that take ids and call one function."""

from django.tasks import task

from gonghui.members import exports


@task()
def run_member_export(export_id: int) -> None:
    exports.run_export(export_id)
