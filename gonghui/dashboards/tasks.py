"""Background tasks of the dashboards: thin wrappers that take ids and call one function."""

from django.tasks import task

from gonghui.dashboards import exports


@task()
def run_export_job(job_id: int) -> None:
    exports.run_job(job_id)
