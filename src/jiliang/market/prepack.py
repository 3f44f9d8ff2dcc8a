"""Prepackage inspections recorded by a regulator, judged by jiliang.supervision.

The scale interlock: the weighing instrument must be a registry instrument the regulator can
see, in service, with a valid verification (its derived due date not passed) and an MPE of
at most 0.2 T (data/supervision/prepack.yaml `scale`, OIML R 87 / JJF 1070, unconfirmed)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.market.models import PrepackInspection
from jiliang.market.services import instrument_state, require_regulator
from jiliang.registry.models import Instrument
from jiliang.supervision import (
    SupervisionInputError,
    evaluate_lot,
    net_values,
    scale_fine_enough,
    tolerable_deficiency,
)

MAX_VALUES = 200
TO_SCALE_UNIT = {("g", "kg"): 0.001, ("g", "g"): 1.0, ("kg", "kg"): 1.0, ("kg", "g"): 1000.0}


def _numbers(text: str, field: str) -> list[str]:
    parts = [p for p in text.replace(",", " ").replace("，", " ").split() if p]
    if len(parts) > MAX_VALUES:
        raise ValidationError({field: [_("数值过多") + f" (> {MAX_VALUES})"]})
    return parts


def check_scale(user: Any, serial: str, big_t: float, unit: str) -> Instrument:
    """The registry's interlock for the weighing instrument (see the module's docstring)."""
    scale = (
        Instrument.objects.visible_to(user).filter(serial_number=serial.strip()).first()
        if serial.strip()
        else None
    )
    if scale is None:
        raise ValidationError({"scale": [_("请填写登记在册的衡器出厂编号")]})
    if scale.status != Instrument.Status.IN_SERVICE:
        raise ValidationError({"scale": [_("该衡器不在用")]})
    if instrument_state(scale, timezone.localdate()) != "valid":
        raise ValidationError({"scale": [_("该衡器没有有效的检定证书")]})
    factor = TO_SCALE_UNIT.get((unit.replace("mL", "g").replace("L", "kg"), scale.unit or ""))
    if scale.mpe is None or factor is None:
        raise ValidationError({"scale": [_("该衡器没有登记最大允许误差")]})
    t_in_scale_unit = big_t * factor
    if not scale_fine_enough(scale.mpe, t_in_scale_unit):
        raise ValidationError(
            {
                "scale": [
                    _("衡器不够精细：最大允许误差须不大于 0.2 T")
                    + f" ({scale.mpe} > {0.2 * t_in_scale_unit:g} {scale.unit})"
                ]
            }
        )
    return scale


@transaction.atomic
def record(
    user: Any,
    *,
    product: str,
    producer: str,
    lot_code: str,
    nominal: str,
    unit: str,
    lot_size: str,
    values_text: str,
    tare: str,
    scale_serial: str,
) -> PrepackInspection:
    regulator = require_regulator(user)
    errors: dict[str, list[str]] = {}
    for name, value, limit in (("product", product, 120), ("producer", producer, 160)):
        if not value.strip() or len(value) > limit:
            errors[name] = [_("必填") + f" (≤ {limit})"]
    if len(lot_code) > 60:
        errors["lot_code"] = [_("最多 60 字")]
    if errors:
        raise ValidationError(errors)
    try:
        size = int(lot_size)
    except ValueError:
        raise ValidationError({"lot_size": [_("应为整数")]}) from None
    try:
        values = _numbers(values_text, "values")
        if tare.strip():
            tares = _numbers(tare, "tare")
            tare_value: Any = tares[0] if len(tares) == 1 else tares
            nets = net_values(gross=values, tare=tare_value)
        else:
            nets = net_values(net=values)
        big_t = tolerable_deficiency(nominal, unit)
        scale = check_scale(user, scale_serial, float(big_t), unit)
        result = evaluate_lot(nominal, unit, size, nets)
    except SupervisionInputError as exc:
        raise ValidationError({exc.field: [exc.reason]}) from None
    return PrepackInspection.objects.create(
        regulator=regulator,
        product=product.strip(),
        producer=producer.strip(),
        lot_code=lot_code.strip(),
        nominal=result.nominal,
        unit=unit,
        lot_size=size,
        values=[str(v) for v in nets],
        scale=scale,
        result=result.to_dict(),
        verdict=result.verdict,
        inspected_by=user,
    )


@transaction.atomic
def declare_c_mark(user: Any, products: str) -> Any:
    """An enterprise declares for its own institution (self-declaration, no approval)."""
    from jiliang.market.models import CMarkDeclaration

    if (
        user is None
        or not user.is_authenticated
        or user.institution_id is None
        or user.institution.kind != "enterprise"
    ):
        raise PermissionError(_("只有生产企业可以自我声明"))
    if not products.strip() or len(products) > 300:
        raise ValidationError({"products": [_("请填写声明的商品（最多 300 字）")]})
    return CMarkDeclaration.objects.create(
        producer=user.institution,
        products=products.strip(),
        declared_on=timezone.localdate(),
        declared_by=user,
    )
