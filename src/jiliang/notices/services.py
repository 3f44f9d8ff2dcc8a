"""Store candidate notices once and e-mail the new ones; the inbox's reads and preferences.

Safe to run twice: the (user, kind, subject, period) constraint makes a second insert of the
same notice a no-op (bulk_create ignoring conflicts, so two overlapping runs cannot both
create it), and e-mail is sent only for notices in the `pending` or `failed` state, each
claimed by a conditional UPDATE before sending, so no notice is mailed twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from jiliang.notices import collect, tokens
from jiliang.notices.models import Kind, Notice, Preference

MAX_ATTEMPTS = 5  # a failed e-mail is retried by the next runs, this many times in all
STALE_CLAIM = dt.timedelta(hours=1)  # a run that died while sending: its claims go back
_CHUNK = 1000

Mail = Notice.Mail


@dataclass
class Summary:
    """What a run found, created and mailed (the CLI prints it, --json writes it)."""

    on: dt.date
    dry_run: bool
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Kind.values, 0))
    new: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Kind.values, 0))
    mailed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "dry_run": self.dry_run,
            "kinds": {k: {"found": self.found[k], "new": self.new[k]} for k in Kind.values},
            "found": sum(self.found.values()),
            "new": sum(self.new.values()),
            "mailed": self.mailed,
            "failed": self.failed,
            "errors": self.errors,
        }


def preference(user: Any) -> Preference:
    return Preference.objects.get_or_create(user=user)[0]


def _existing(cands: list[collect.Candidate]) -> set[tuple[int, str, str, str]]:
    """Keys of the candidates already stored: one query per kind and chunk of users."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for c in cands:
        by_kind[c.kind].add(c.user_id)
    found: set[tuple[int, str, str, str]] = set()
    for kind, users in by_kind.items():
        ordered = sorted(users)
        for i in range(0, len(ordered), _CHUNK):
            rows = Notice.objects.filter(kind=kind, user_id__in=ordered[i : i + _CHUNK])
            found.update(rows.values_list("user_id", "kind", "subject", "period"))
    return found


def _mail_states(cands: list[collect.Candidate]) -> dict[tuple[int, str], str]:
    """Pending where the user has an address and wants this kind by e-mail, else none."""
    from jiliang.accounts.models import User

    users = sorted({c.user_id for c in cands})
    addresses: dict[int, str] = {}
    prefs: dict[int, Preference] = {}
    for i in range(0, len(users), _CHUNK):
        chunk = users[i : i + _CHUNK]
        addresses.update(User.objects.filter(pk__in=chunk).values_list("pk", "email"))
        prefs.update((p.user_id, p) for p in Preference.objects.filter(user_id__in=chunk))
    states = {}
    for c in cands:
        pref = prefs.get(c.user_id)
        wanted = pref is None or pref.emails(c.kind)
        states[(c.user_id, c.kind)] = (
            Mail.PENDING if addresses.get(c.user_id) and wanted else Mail.NONE
        )
    return states


def store(cands: Iterable[collect.Candidate], summary: Summary) -> int:
    """Create the candidates not yet stored (all of them unless a dry run); returns new."""
    cands = list({c.key: c for c in cands}.values())
    for c in cands:
        summary.found[c.kind] += 1
    existing = _existing(cands)
    new = [c for c in cands if c.key not in existing]
    for c in new:
        summary.new[c.kind] += 1
    if summary.dry_run or not new:
        return len(new)
    states = _mail_states(new)
    Notice.objects.bulk_create(
        (
            Notice(
                user_id=c.user_id,
                kind=c.kind,
                subject=c.subject,
                period=c.period,
                title_zh=c.title_zh,
                title_en=c.title_en,
                body_zh=c.body_zh,
                body_en=c.body_en,
                link=c.link,
                data=c.data,
                mail=states[(c.user_id, c.kind)],
            )
            for c in new
        ),
        batch_size=_CHUNK,
        ignore_conflicts=True,  # an overlapping run stored it first: it is theirs to mail
    )
    return len(new)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def message(notice: Notice, to: str) -> EmailMultiAlternatives:
    """The e-mail of a notice: Chinese first, English after; plain text and HTML; with an
    unsubscribe link (and the List-Unsubscribe headers of RFC 2369 / RFC 8058)."""
    from django.urls import reverse

    unsubscribe = absolute(
        reverse("notices:unsubscribe", args=[tokens.make(notice.user_id, notice.kind)])
    )
    context = {
        "notice": notice,
        "url": absolute(notice.link) if notice.link else "",
        "inbox": absolute(reverse("notices:inbox")),
        "unsubscribe": unsubscribe,
        "kind": Kind(notice.kind).label,
    }
    mail = EmailMultiAlternatives(
        # one line whatever a title holds: a line break in a header is refused by Django
        subject=" ".join(f"[计量 jiliang] {notice.title_zh} | {notice.title_en}".split()),
        body=render_to_string("notices/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(render_to_string("notices/email.html", context), "text/html")
    return mail


def deliver(
    summary: Summary,
    user_ids: Iterable[int] | None = None,
    on_sent: Callable[[int, int], None] | None = None,
) -> None:
    """Send the pending notices (and retry failed ones), each claimed before it is sent.

    A claim older than STALE_CLAIM belongs to a run that died mid-send: it becomes a failed
    attempt, retried now (the server may have taken it: at least once, never lost).
    """
    Notice.objects.filter(mail=Mail.SENDING, mailed_at__lt=timezone.now() - STALE_CLAIM).update(
        mail=Mail.FAILED,
        mail_attempts=F("mail_attempts") + 1,
        mail_error="the run sending it stopped before it finished",
    )
    queue = Notice.objects.filter(
        Q(mail=Mail.PENDING) | Q(mail=Mail.FAILED, mail_attempts__lt=MAX_ATTEMPTS)
    )
    if user_ids is not None:
        queue = queue.filter(user_id__in=list(user_ids))
    todo = list(queue.select_related("user").order_by("id"))
    if not todo:
        return
    prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in={n.user_id for n in todo})}
    connection = mailers.default  # one SMTP session for the run (settings.MAILERS)
    try:
        for index, notice in enumerate(todo, 1):
            pref = prefs.get(notice.user_id)
            claim = Notice.objects.filter(pk=notice.pk, mail=notice.mail)
            wanted = pref is None or pref.emails(notice.kind)
            if not (notice.user.is_active and notice.user.email and wanted):
                claim.update(mail=Mail.NONE)  # left, or changed its mind, since it was stored
                continue
            if not claim.update(mail=Mail.SENDING, mailed_at=timezone.now()):
                continue  # another run took it
            try:
                connection.open()  # kept open across messages; a no-op while it is
                connection.send_messages([message(notice, notice.user.email)])
            except Exception as exc:  # SMTP and socket errors alike: keep it for a retry
                _reset(connection)
                Notice.objects.filter(pk=notice.pk).update(
                    mail=Mail.FAILED,
                    mail_attempts=notice.mail_attempts + 1,
                    mail_error=f"{type(exc).__name__}: {exc}"[:300],
                )
                summary.failed += 1
                if len(summary.errors) < 20:
                    summary.errors.append(f"notice {notice.pk} to {notice.user.email}: {exc}")
            else:
                Notice.objects.filter(pk=notice.pk).update(
                    mail=Mail.SENT,
                    mail_attempts=notice.mail_attempts + 1,
                    mail_error="",
                    mailed_at=timezone.now(),
                )
                summary.mailed += 1
            if on_sent is not None:
                on_sent(index, len(todo))
    finally:
        connection.close()


def _reset(connection: Any) -> None:
    """Drop a session that failed mid-message: the next send opens a fresh one."""
    try:
        connection.close()
    except Exception:  # the session is gone either way
        connection.connection = None


def run(
    on: dt.date,
    scope: collect.Scope,
    *,
    dry_run: bool = False,
    on_step: Callable[[str], None] | None = None,
    on_sent: Callable[[int, int], None] | None = None,
) -> Summary:
    """One scheduled run: collect every kind, store what is new, mail what is pending."""
    summary = Summary(on=on, dry_run=dry_run)
    for kind, gather in collect.COLLECTORS.items():
        if on_step is not None:
            on_step(kind)
        store(gather(on, scope), summary)
    if not dry_run:
        users: list[int] | None = None
        if scope.user_id is not None or scope.institution_id is not None:
            users = sorted(_scope_users(scope))
        deliver(summary, users, on_sent)
    return summary


def _scope_users(scope: collect.Scope) -> set[int]:
    from jiliang.accounts.models import User

    users = User.objects.all()
    if scope.user_id is not None:
        users = users.filter(pk=scope.user_id)
    if scope.institution_id is not None:
        users = users.filter(institution_id=scope.institution_id)
    return set(users.values_list("pk", flat=True))


def inbox(user: Any, unread_only: bool = False) -> Any:
    notices = Notice.objects.filter(user=user)
    return notices.filter(read_at__isnull=True) if unread_only else notices


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notices read (all of them when no ids); returns how many."""
    notices = Notice.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        # ids no row can have (past a 64-bit integer) are nobody's: SQLite's driver raised
        # OverflowError on them where PostgreSQL simply matched nothing
        notices = notices.filter(pk__in=[i for i in ids if 0 < i < 2**63])
    return notices.update(read_at=timezone.now())


def set_preference(user: Any, *, email: bool, muted: Iterable[str]) -> Preference:
    """Save the user's choices; ValueError naming an unknown kind."""
    muted = list(dict.fromkeys(muted))
    unknown = [k for k in muted if k not in Kind.values]
    if unknown:
        raise ValueError(
            f"unknown kind(s) of notice: {', '.join(unknown)}; known: {', '.join(Kind.values)}"
        )
    pref = preference(user)
    pref.email, pref.muted = email, muted
    pref.save()
    return pref


def unsubscribe(request: tokens.Unsubscribe) -> Preference | None:
    """Apply an unsubscribe link: stop one kind's e-mail, or all. None: no such user."""
    from jiliang.accounts.models import User

    user = User.objects.filter(pk=request.user_id).first()
    if user is None:
        return None
    pref = preference(user)
    if request.kind == tokens.ALL:
        pref.email = False
    elif request.kind not in pref.muted:
        pref.muted = [*pref.muted, request.kind]
    pref.save()
    return pref
