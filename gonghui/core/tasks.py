"""Background tasks of the core: thin wrappers that take ids and call one function."""

from django.tasks import task

from gonghui.core import imports


@task()
def check_import_job(job_id: int) -> None:
    imports.check_job(job_id)


@task()
def run_import_job(job_id: int) -> None:
    imports.run_job(job_id)
