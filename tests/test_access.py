"""Access in service: invitations, roles, revocation, the audit log, backups, logs without the token."""

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.logs import RedactingFilter
from bot.roles import Role
from bot.services.access import AccessService, InvitationProblem
from bot.services.backups import BackupService
from tests.conftest import add_user
from tests.e2e import Person, joins, start_bot

ADMIN = 1001


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


async def test_invitation_works_once(db):
    admin = await add_user(db, ADMIN, role="admin")
    access = AccessService(db)
    invitation = await access.invite(admin, Role.SUPERVISOR)
    user = await access.redeem(invitation.token, 5, "kk", "Нұрлан")
    assert user.role is Role.SUPERVISOR and user.language == "kk" and user.active
    assert await access.redeem(invitation.token, 6, "ru", "Someone") is InvitationProblem.USED
    assert await access.user(6) is None


async def test_invitation_expires(db):
    admin = await add_user(db, ADMIN, role="admin")
    clock = Clock()
    access = AccessService(db, now=clock)
    invitation = await access.invite(admin, Role.INSPECTOR, ttl=timedelta(hours=1))
    clock.now += timedelta(hours=1, seconds=1)
    assert await access.redeem(invitation.token, 5, "ru", None) is InvitationProblem.EXPIRED
    assert await access.redeem("no-such-token", 5, "ru", None) is InvitationProblem.UNKNOWN


async def test_concurrent_redemptions_of_one_invitation_admit_one_person(db):
    admin = await add_user(db, ADMIN, role="admin")
    access = AccessService(db)
    invitation = await access.invite(admin, Role.INSPECTOR)
    outcomes = await asyncio.gather(*(access.redeem(invitation.token, 100 + n, "ru", None) for n in range(10)))
    assert sum(1 for o in outcomes if not isinstance(o, InvitationProblem)) == 1


async def test_changes_of_access_are_audited(db):
    admin = await add_user(db, ADMIN, role="admin")
    access = AccessService(db)
    invitation = await access.invite(admin, Role.INSPECTOR)
    await access.redeem(invitation.token, 5, "ru", None)
    await access.set_role(ADMIN, 5, Role.SUPERVISOR)
    await access.set_active(ADMIN, 5, False)
    actions = [r["action"] for r in await db.fetch_all("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["invitation.create", "invitation.redeem", "user.role", "user.revoke"]


async def test_revoked_user_is_refused_on_the_next_update(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN)
        inspector = await joins(emu, ADMIN, "inspector", 2002)
        await inspector.says("/new")
        assert "Шаг 1/9" in inspector.text
        await admin.says("/revoke 2002")
        assert "отозван" in admin.text
        await inspector.taps("✖ Отменить лист")  # a button of a screen shown before the revocation
        assert any("Доступ только по приглашению" in t for t in inspector.toasts())
        await inspector.says("990340001230")
        assert "по приглашению" in inspector.text and "2002" in inspector.text
        draft = await app.services.db.fetch_one("SELECT subject_bin FROM inspections")
        assert draft["subject_bin"] is None  # nothing was applied
        await admin.says("/users")
        assert "доступ отозван" in admin.text
        await admin.says("/audit")
        assert admin.screen["document"]["file_name"] == "audit-log.csv"
        csv_text = admin.screen["document_bytes"].decode("utf-8-sig")
        assert "user.revoke" in csv_text and "invitation.redeem" in csv_text
    finally:
        await app.stop()


async def test_non_admin_cannot_use_admin_commands(emu, tmp_path):
    app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
    try:
        admin = Person(emu, ADMIN)
        inspector = await joins(emu, ADMIN, "inspector", 2002)
        await inspector.says("/invite admin")
        assert "только администраторам" in inspector.text
        await admin.says("/status")
        assert "Версия" in admin.text and "Следующая резервная копия" in admin.text
    finally:
        await app.stop()


async def test_backup_taken_during_writes_is_consistent(db, tmp_path):
    await add_user(db, ADMIN, role="admin")
    backups = BackupService(db, tmp_path / "backups", keep=2)
    stop = asyncio.Event()

    async def writer():
        n = 0
        while not stop.is_set():
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO audit_log (at, action) VALUES (?, ?)", (str(n), "load"))
            n += 1
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    paths = [await backups.run() for _ in range(3)]
    stop.set()
    written = await task
    assert written > 0
    assert backups.existing() == sorted(paths, reverse=True)[:2]  # rotation keeps the newest two
    for path in backups.existing():
        copy = sqlite3.connect(path)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        copy.close()


async def test_the_token_never_appears_in_the_logs(emu, tmp_path, caplog):
    handler_filter = RedactingFilter([emu.token])
    root = logging.getLogger()
    caplog.handler.addFilter(handler_filter)
    caplog.set_level(logging.DEBUG)
    try:
        app = await start_bot(emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN))
        admin = Person(emu, ADMIN)
        await admin.says("/status")
        await app.stop()
        # A failure that carries the URL (with the token) in its text is logged redacted too.
        logging.getLogger("aiohttp.client").error("GET %s/bot%s/getMe failed", emu.base_url, emu.token)
        try:
            raise RuntimeError(f"boom {emu.token}")
        except RuntimeError:
            logging.getLogger("bot").exception("failure")
    finally:
        root.removeFilter(handler_filter)
    assert caplog.records, "the test must have produced log records"
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert emu.token not in text
    assert "[REDACTED]" in text


async def test_aiohttp_errors_that_carry_the_url_with_the_token_are_logged_redacted(emu, caplog):
    import aiohttp

    handler_filter = RedactingFilter([emu.token])
    caplog.handler.addFilter(handler_filter)
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("bot.test")
    try:
        async with aiohttp.ClientSession() as session:
            for url in (
                f"{emu.base_url}/bot{emu.token}/noSuchMethod",
                f"{emu.base_url}/bot{emu.token.replace(':', '%3A')}/noSuchMethod",
            ):
                response = await session.get(url)
                try:
                    response.raise_for_status()
                except aiohttp.ClientResponseError as exc:
                    assert emu.token.split(":")[1] in str(exc)  # the raw error does carry it
                    log.warning("request failed: %s", exc)
                    log.error("request failed", exc_info=True)
                    log.error("with the stack", stack_info=True, extra={"url": url})
    finally:
        caplog.handler.removeFilter(handler_filter)
    text = caplog.text
    assert len(caplog.records) == 6
    assert emu.token.split(":")[1] not in text
    assert text.count("[REDACTED]") >= 4
