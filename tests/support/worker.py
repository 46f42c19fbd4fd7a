"""The real Celery worker (`make worker`'s command) for a test module, on the test database."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from kombu import pools as kombu_pools

from config.celery import app as celery_app

from .servers import ROOT, production_env

WAIT = 90  # seconds: an upper bound on a busy machine, never a measure of speed


@contextmanager
def celery_worker(
    *, database: str, broker: str, enqueue_to: str, queue: str, log: Path, **extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """One worker process (production settings, env extra) taking jobs from queue on broker;
    this process enqueues to enqueue_to (the same Redis, perhaps by another way)."""
    env = production_env(
        database=database, redis=broker, CELERY_QUEUE=queue, DJANGO_LOG_LEVEL="INFO", **extra
    )
    celery = str(Path(sys.executable).parent / "celery")
    # The same command as `make worker`, with one process and the module's own queue.
    command = [celery, "-A", "config", "worker", "--pool", "solo", "--concurrency", "1"]
    command += ["--queues", queue, "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (our own worker)
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    saved = {
        k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")
    }
    _forget_broker_connections()
    celery_app.conf.update(task_always_eager=False, broker_url=enqueue_to, task_default_queue=queue)
    try:
        yield process
    finally:
        celery_app.conf.update(saved)
        _forget_broker_connections()
        process.terminate()
        process.wait(timeout=30)
        redis.Redis.from_url(enqueue_to).delete(queue)


def _forget_broker_connections() -> None:
    # The app and kombu keep connection and producer pools for the broker they were made
    # with: an eager job's retry earlier in the run opens them on the test settings' memory://
    # broker, and jobs would still go there after broker_url changed.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()


def wait_until(done: Callable[[], bool], what: str, log: Path) -> None:
    """Poll done() until it holds; fail with what and the worker's log after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}; the worker's log:\n{log.read_text()[-4000:]}")
