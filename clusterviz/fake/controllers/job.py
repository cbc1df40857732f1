"""The Job controller: pods until `completions` succeeded, `parallelism` at a time; then Complete, and with
ttlSecondsAfterFinished the TTL controller deletes the Job and the garbage collector its pods."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from clusterviz.fake import objects as o
from clusterviz.fake.component import Component
from clusterviz.fake.objects import Condition, JobRec


class JobController(Component):
    def create(self, namespace: str, name: str, completions: int, parallelism: int, seconds: float,
               ttl: int | None) -> None:
        self.api.ensure_namespace(namespace, self.now())
        job = self._job(namespace, name, completions, parallelism, seconds, ttl)
        self.api.emit("ADDED", job)
        self.c.controllers.touch(job)

    def _job(self, namespace: str, name: str, completions: int, parallelism: int, seconds: float,
             ttl: int | None) -> JobRec:
        uid = self.api.uid()
        selector = {"batch.kubernetes.io/controller-uid": uid}
        pod_labels = {**selector, "batch.kubernetes.io/job-name": name, "controller-uid": uid, "job-name": name}
        tpl = replace(o.job_template(seconds), labels=tuple(pod_labels.items()))
        return JobRec(name=name, namespace=namespace, uid=uid, created=self.now(), generation=1,
                      labels={"batch.kubernetes.io/job-name": name, "job-name": name}, selector=selector,
                      template=tpl, pod_labels=pod_labels, completions=completions, parallelism=parallelism,
                      ttl=ttl, started=self.now())

    def sync(self, job: JobRec) -> None:
        finished = False
        if job.completed is None:
            want = min(job.parallelism, job.completions - job.n_succeeded) - job.n_active
            pods = self.c.pods
            for _ in range(max(want, 0)):
                name = self.api.fresh_pod_name(job.namespace, job.name)
                pods.submit(pods.new(job, job.namespace, name, job.template, generate=f"{job.name}-"))
            if job.n_succeeded >= job.completions and job.n_active == 0:
                self._finish(job)
                finished = True
        status = (job.n_active, job.n_succeeded, job.n_failed, job.n_ready)
        if status != (job.st_active, job.st_succeeded, job.st_failed, job.st_ready) or finished:
            job.st_active, job.st_succeeded, job.st_failed, job.st_ready = status
            self.api.emit("MODIFIED", job)

    def _finish(self, job: JobRec) -> None:
        now = self.now()
        job.completed = now
        message = "Reached expected number of succeeded pods"
        for kind in ("SuccessCriteriaMet", "Complete"):
            job.conditions[kind] = Condition(kind, "True", "CompletionsReached", message, now, now)
        if job.ttl is not None:
            self.after(float(job.ttl), partial(self._delete, job))

    def _delete(self, job: JobRec) -> None:
        """TTL-after-finished: the Job goes, and the garbage collector removes its pods."""
        if not self.api.exists(job):
            return
        self.api.emit("DELETED", job)
        for pod in list(job.pods.values()):
            self.after(self.rng.uniform(0.1, 1.0), partial(self.c.pods.delete, pod, None, None))
