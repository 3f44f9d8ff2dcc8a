"""An institution's own staff (issue 13 §2): its managers create and invite users, link each
to its registered-metrologist record, set staff roles and deactivate people who leave.

Why a module of its own: the rules (own institution only, never a platform admin, never the
last manager) are shared by the pages and the API, and the calibration workflow asks
`step_problems` which signing step a user's staff roles allow. The registration rule itself
stays in `registry.signatories`. Every change writes a ChangeRecord (model "accounts.user").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.audit import acting_user
from jiliang.accounts.models import ChangeRecord, User
from jiliang.registry.models import Institution, Person
from jiliang.registry.querysets import is_admin

STAFF_ROLES: dict[str, str] = {
    "recorder": _("检定员/校准员"),
    "checker": _("核验员"),
    "approver": _("批准人"),
    "manager": _("管理员"),
    "readonly": _("只读"),
}
# The signing step (calibration SignatureEvent.Step value) each staff role allows.
STEP_ROLE = {"record": "recorder", "check": "checker", "approve": "approver"}
INVITATION_DAYS = 7
_SALT = "jiliang.accounts.staff.invitation"
_AUDITED = ("username", "display_name", "email", "is_active", "role", "staff_roles")


# --- the signing rule -------------------------------------------------------------------------


def step_problems(user: Any, step: str) -> list[str]:
    """Why the user's staff roles do not allow this signing step (empty: they do).

    The registration (`registry.signatories`) decides whether a person may sign an item; the
    staff role decides which of the three steps this login takes in its laboratory.
    """
    wanted = STEP_ROLE.get(step)
    if wanted is None:
        return [f"unknown signing step {step!r}"]
    roles = list(getattr(user, "staff_roles", None) or [])
    if wanted in roles:
        return []
    return [
        f"{user.username}'s staff roles ({', '.join(roles) or 'none'}) do not include {wanted} "
        f"(该用户的岗位不含{STAFF_ROLES[wanted].split()[0]})"
    ]


# --- who manages whom -------------------------------------------------------------------------


def is_manager(user: Any) -> bool:
    """A platform admin, or a signed-in user with the manager role and an institution."""
    if is_admin(user):
        return True
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.institution_id
        and "manager" in (user.staff_roles or [])
    )


def require_manager(user: Any) -> None:
    if not is_manager(user):
        raise PermissionDenied(
            "only an institution's manager may manage its staff (仅限本单位管理员)"
        )


def staff_of(manager: Any) -> QuerySet[User]:
    """The users a manager may see and change: its own institution's (an admin: everyone's
    users who belong to an institution). Platform admins are never in anyone's list."""
    require_manager(manager)
    users = User.objects.exclude(role=User.Role.ADMIN).exclude(is_superuser=True)
    if is_admin(manager):
        users = users.filter(institution__isnull=False)
    else:
        users = users.filter(institution_id=manager.institution_id)
    return users.select_related("institution", "person").order_by("username")


def people_of(institution_id: int) -> QuerySet[Person]:
    """The registered metrologists a user of this institution may be linked to (few)."""
    return Person.objects.filter(institution_id=institution_id).order_by("name")


# --- changes ----------------------------------------------------------------------------------


def _state(user: User) -> dict[str, Any]:
    state = {name: getattr(user, name) for name in _AUDITED}
    state["institution_id"] = user.institution_id
    person = Person.objects.filter(user=user).only("registration_number").first()
    state["person"] = person.registration_number if person is not None else None
    return state


def _log(actor: Any, user: User, before: dict[str, Any] | None) -> None:
    after = _state(user)
    if before == after:
        return
    ChangeRecord.objects.create(
        user=acting_user(actor),
        model="accounts.user",
        object_id=str(user.pk),
        object_repr=user.username[:200],
        action=ChangeRecord.Action.CREATE if before is None else ChangeRecord.Action.UPDATE,
        before=before,
        after=after,
    )


def clean_roles(roles: Iterable[str]) -> list[str]:
    """Known roles in their canonical order; read-only excludes every other role."""
    given = [str(r).strip() for r in roles]
    unknown = [r for r in given if r not in STAFF_ROLES]
    if unknown:
        raise ValidationError(
            {"roles": f"unknown role {unknown[0]!r}: use {', '.join(STAFF_ROLES)} (未知岗位)"}
        )
    picked = [r for r in STAFF_ROLES if r in given]
    if "readonly" in picked and len(picked) > 1:
        raise ValidationError(
            {"roles": "read-only cannot be combined with another role (只读不可兼任)"}
        )
    return picked or ["readonly"]


def _managers_left(institution_id: int, without: int) -> int:
    """Active managers of the institution other than `without` (roles read in Python: a JSON
    containment lookup is not available on SQLite; an institution has few users)."""
    rows = (
        User.objects.filter(institution_id=institution_id, is_active=True)
        .exclude(pk=without)
        .values_list("staff_roles", flat=True)
    )
    return sum(1 for roles in rows if "manager" in (roles or []))


def _keeps_a_manager(user: User, roles: list[str], active: bool) -> None:
    """Refuse the change that would leave the user's institution without an active manager."""
    was = user.is_active and "manager" in (user.staff_roles or [])
    stays = active and "manager" in roles
    if (
        was
        and not stays
        and user.institution_id
        and not _managers_left(user.institution_id, user.pk)
    ):
        raise ValidationError(
            {
                "roles": f"{user.username} is the last manager of the institution (不能移除最后一名管理员)"
            }
        )


def _link(user: User, person: Person | None) -> None:
    """Link the user to its registered-metrologist record (its own institution's only)."""
    current = Person.objects.filter(user=user).first()
    if current is not None and (person is None or current.pk != person.pk):
        current.user = None
        current.save(update_fields=["user"])
    if person is not None:
        if person.institution_id != user.institution_id:
            raise ValidationError({"person": "no such registered metrologist of your institution"})
        if person.user_id not in (None, user.pk):
            raise ValidationError(
                {"person": f"{person.name} is already linked to another login (已关联其他账号)"}
            )
        person.user = user
        person.save(update_fields=["user"])


def find_person(manager: Any, institution_id: int, pk: int | None) -> Person | None:
    """The person to link, by id among the institution's own (else a 'no such' error)."""
    if pk is None:
        return None
    person = people_of(institution_id).filter(pk=pk).first()
    if person is None:
        raise ValidationError({"person": "no such registered metrologist of your institution"})
    return person


def _platform_role(manager: Any, institution: Institution) -> str:
    """The new user's platform role: the manager's own, or (an admin creating) the role the
    institution's kind implies."""
    if not is_admin(manager):
        return str(manager.role)
    kind = institution.kind
    if kind == Institution.Kind.REGULATOR:
        return User.Role.REGULATOR
    if kind == Institution.Kind.ENTERPRISE:
        return User.Role.OWNER
    if kind in (Institution.Kind.INDUSTRIAL_CENTRE, Institution.Kind.REGIONAL_CENTRE):
        return User.Role.CENTRE
    return User.Role.LAB


def create_user(
    manager: Any,
    *,
    username: str,
    display_name: str = "",
    email: str = "",
    roles: Iterable[str] = ("readonly",),
    person: Person | None = None,
    institution: Institution | None = None,
) -> User:
    """A new user of the manager's institution, without a usable password: it sets one
    through the invitation link (`invitation_token`)."""
    require_manager(manager)
    if institution is None or not is_admin(manager):
        institution = manager.institution
    if institution is None:
        raise ValidationError({"institution": "choose the user's institution (请选择单位)"})
    username = username.strip()
    try:
        User.username_validator(username)
    except ValidationError:
        username = ""
    if not username or len(username) > 150:
        raise ValidationError(
            {"username": "1–150 letters, digits and @ . + - _ (用户名只能含字母、数字和 @ . + - _)"}
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"{username!r} is taken (用户名已存在)"})
    picked = clean_roles(roles)
    role = _platform_role(manager, institution)
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name.strip()[:100],
            email=email.strip(),
            institution=institution,
            role=role,
            staff_roles=picked,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        _link(user, person)
        _log(manager, user, None)
    return user


def update_user(
    manager: Any,
    user: User,
    *,
    roles: Iterable[str] | None = None,
    person: Person | bool | None = False,
    display_name: str | None = None,
    active: bool | None = None,
) -> User:
    """Change roles, the linked person (False: unchanged; None: unlink), name or activity.

    Never a platform admin; never the last manager; only the manager's own institution's
    users (others are not found: `staff_of`)."""
    if not staff_of(manager).filter(pk=user.pk).exists():
        raise PermissionDenied("not a user of your institution")
    with transaction.atomic():
        # lock the institution's users (few): two managers demoting each other at once must
        # not both pass the last-manager check
        list(
            User.objects.select_for_update()
            .filter(institution_id=user.institution_id)
            .values_list("pk", flat=True)
        )
        user = User.objects.get(pk=user.pk)
        before = _state(user)
        picked = clean_roles(roles) if roles is not None else list(user.staff_roles or [])
        now_active = user.is_active if active is None else active
        _keeps_a_manager(user, picked, now_active)
        user.staff_roles = picked
        user.is_active = now_active
        if display_name is not None:
            user.display_name = display_name.strip()[:100]
        user.save(update_fields=["staff_roles", "is_active", "display_name"])
        if person is not False:
            _link(user, person if isinstance(person, Person) else None)
        if not now_active:
            from jiliang.accounts.models import ApiToken

            for token in ApiToken.live().filter(user=user):
                token.revoke()  # someone who left keeps no machine access either
        _log(manager, user, before)
    return user


# --- invitations ------------------------------------------------------------------------------


def _fingerprint(user: User) -> str:
    """Changes once the password is set: a used invitation no longer opens."""
    return signing.Signer(salt=_SALT).signature(f"{user.pk}:{user.password}:{user.is_active}")


def invitation_token(user: User) -> str:
    """A signed one-time token (valid INVITATION_DAYS days) that lets the invitee set its
    password; nothing is stored: setting the password changes the fingerprint."""
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=_SALT, compress=True)


def invited_user(token: str) -> User:
    """The user the token invites, or a ValidationError saying why not (expired, used...)."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=INVITATION_DAYS * 86400)
    except signing.SignatureExpired:
        raise ValidationError(
            "this invitation has expired: ask your manager for a new one (邀请已过期)"
        ) from None
    except signing.BadSignature:
        raise ValidationError("this invitation link is not valid (邀请链接无效)") from None
    user = (
        User.objects.filter(pk=data.get("u"), is_active=True).first()
        if isinstance(data, dict)
        else None
    )
    if user is None or data.get("f") != _fingerprint(user):
        raise ValidationError("this invitation was already used or withdrawn (邀请已使用或失效)")
    return user


def accept_invitation(token: str, password: str) -> User:
    """Set the invitee's password (Django's validators apply) and spend the invitation."""
    user = invited_user(token)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    ChangeRecord.objects.create(
        user=user,
        model="accounts.user",
        object_id=str(user.pk),
        object_repr=user.username[:200],
        action=ChangeRecord.Action.UPDATE,
        before={"invitation": "open"},
        after={"invitation": "accepted, password set"},
    )
    return user
