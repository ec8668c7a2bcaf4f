"""The sealer with a full disk (the full-disk drill, bench/drill_disk.py): a checkpoint line the disk
cuts short is undone, so the file never reads as altered; the sealer's loop survives the error
and checkpoints again once there is room."""

from __future__ import annotations

import errno
import logging
import os
import signal

import pytest
from django.db import transaction

from resmon.audit import sealing
from resmon.audit.services import record
from resmon.core.loops import run_every

pytestmark = pytest.mark.django_db


def write(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            record(None, "test.write", object_type="test.thing", object_id=str(i))


def test_a_checkpoint_line_cut_short_by_a_full_disk_is_undone(settings, monkeypatch):
    write(2)
    sealing.seal()
    path = settings.AUDIT_CHECKPOINT_PATH
    before = path.read_bytes()
    write(1)
    real_write = os.write
    monkeypatch.setattr(sealing.os, "write", lambda fd, data: real_write(fd, data[:20]))  # the disk fills up
    with pytest.raises(OSError) as caught:
        sealing.seal()
    assert caught.value.errno == errno.ENOSPC
    assert path.read_bytes() == before  # no half line
    monkeypatch.undo()
    write(1)
    sealing.seal()
    result = sealing.verify()
    assert result.ok, sealing.describe(result.problem)
    assert sealing.latest_checkpoint()[0]["seq"] == 4


def test_the_sealer_loop_survives_a_full_disk(caplog):
    rounds = []
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    def work():
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        with caplog.at_level(logging.ERROR):
            run_every(0.01, work, logging.getLogger("test.loop"), "sealing failed; retrying")
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert rounds == [0, 1]  # the full disk did not stop the loop
    assert [r.getMessage() for r in caplog.records] == ["sealing failed; retrying"]
