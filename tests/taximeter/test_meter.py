"""Meter-side electronic seal: package acceptance rules and the event logger.

Behaviour is checked against the rules of the issue (WELMEC 7.2 / Measurement Canada
style event logger): authentic + addressed + newer + effective, one counter increment per
change session, rejections logged, counters never reset, full log refuses changes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.taximeter import (
    PARAMETER_NAMES,
    Decision,
    Meter,
    PackageError,
    ParameterError,
    ReadoutRefused,
    Scope,
    TariffPackage,
    TariffParameters,
    apply_to_fleet,
    make_fleet,
    open_package,
    readout_request,
    seal_discrepancies,
    sign_package,
)
from jiliang.trust import (
    KeyEntry,
    KeyRing,
    LogRecord,
    NoteVerificationError,
    SignerKey,
    parse_note,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
BASE = TariffParameters(
    start_fare="13", start_distance_m=3000, fare_step_distance_m=500, price_per_km="2.3",
    waiting_price_per_min="0.5", night_surcharge_percent="20", crossover_speed_kmh="12",
    k_pulses_per_km=1000,
)  # fmt: skip
NEW = TariffParameters(
    start_fare="14", start_distance_m=3000, fare_step_distance_m=500, price_per_km="2.5",
    waiting_price_per_min="0.6", night_surcharge_percent="20", crossover_speed_kmh="12",
    k_pulses_per_km=1000,
)  # fmt: skip

REGULATOR = SignerKey.generate("samr.example/tariff")
READER = SignerKey.generate("samr.example/reader")
REGULATOR_KEYS = KeyRing([KeyEntry(REGULATOR.verifier(), role="regulator")])
READER_KEYS = KeyRing([KeyEntry(READER.verifier(), role="reader")])


def _meter(serial: str = "M000001", capacity: int = 1000) -> Meter:
    return Meter(serial, BASE, REGULATOR_KEYS, READER_KEYS, fleet="SH-A", log_capacity=capacity)


def _package(version: int, scope: Scope | None = None, params: TariffParameters = NEW,
             effective: datetime = T0) -> str:  # fmt: skip
    pkg = TariffPackage(scope or Scope("fleet", "SH-A"), version, effective, params)
    return sign_package(pkg, REGULATOR)


def test_parameter_hash_is_sha256_of_documented_canonical_json() -> None:
    # The canonical form documented in docs/trust.md: RFC 8785 with two-place decimals.
    expected = (
        b'{"crossover_speed_kmh":"12.00","fare_step_distance_m":500,"k_pulses_per_km":1000,'
        b'"night_surcharge_percent":"20.00","price_per_km":"2.30","start_distance_m":3000,'
        b'"start_fare":"13.00","waiting_price_per_min":"0.50"}'
    )
    assert BASE.canonical_bytes() == expected
    assert BASE.parameter_hash() == hashlib.sha256(expected).hexdigest()
    assert len(PARAMETER_NAMES) == 8


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_fare", "13.005", "at most 2 decimal"),
        ("start_fare", 13.5, "decimal string"),
        ("price_per_km", "-1", "non-negative"),
        ("k_pulses_per_km", 0, "positive"),
        ("k_pulses_per_km", "1000", "integer"),
        ("night_surcharge_percent", "150", "exceeds 100"),
    ],
)
def test_bad_parameters_name_the_field(field: str, value: object, message: str) -> None:
    values = dict(BASE.to_json_value())
    values[field] = value  # type: ignore[assignment]
    with pytest.raises(ParameterError, match=f"{field}.*{message}|{message}"):
        TariffParameters.from_json_value(values)


def test_package_round_trip_and_record() -> None:
    signed = _package(1)
    pkg, signer = open_package(signed, REGULATOR_KEYS)
    assert pkg.version == 1 and pkg.parameters == NEW
    assert signer.key_id == REGULATOR.key_id
    record = pkg.to_record()
    assert signed.startswith(record.canonical_bytes().decode() + "\n\n")
    assert LogRecord.from_json(record.canonical_bytes()).leaf_hash() == record.leaf_hash()


def test_applies_authentic_package_and_logs_one_session_for_many_changes() -> None:
    meter = _meter()
    result = meter.offer(_package(1), T0)
    assert result.decision is Decision.APPLIED
    assert meter.parameters == NEW and meter.version == 1
    assert meter.event_counter == 1  # three parameters changed, one session
    (entry,) = meter.entries()
    assert entry.kind == "change" and entry.counter == 1
    assert entry.signer_key_id == REGULATOR.key_id_hex
    assert [(c.name, c.old, c.new) for c in entry.changes] == [
        ("start_fare", "13.00", "14.00"),
        ("price_per_km", "2.30", "2.50"),
        ("waiting_price_per_min", "0.50", "0.60"),
    ]
    assert (entry.version_old, entry.version_new, entry.time) == (0, 1, "2026-11-22T08:00:00Z")
    assert meter.report().parameter_hash == NEW.parameter_hash()


def test_package_is_pending_until_effective() -> None:
    meter = _meter()
    later = T0 + timedelta(hours=2)
    assert meter.offer(_package(1, effective=later), T0).decision is Decision.PENDING
    assert meter.version == 0 and meter.report().pending_version == 1
    assert meter.tick(later - timedelta(seconds=1)) is None
    applied = meter.tick(later)
    assert applied is not None and applied.decision is Decision.APPLIED
    assert meter.version == 1 and meter.entries()[0].time == "2026-11-22T10:00:00Z"


def test_replayed_old_package_is_refused_and_logged() -> None:
    meter = _meter()
    old = _package(1)
    meter.offer(old, T0)
    meter.offer(_package(2, params=BASE), T0)
    result = meter.offer(old, T0 + timedelta(minutes=1))
    assert result.decision is Decision.REJECTED
    assert "not newer" in result.reasons[0]
    assert meter.parameters == BASE and meter.version == 2
    assert meter.entries()[-1].kind == "rejected"
    assert meter.report().rejection_counter == 1 and meter.event_counter == 2


def test_forged_signature_is_refused_and_logged() -> None:
    meter = _meter()
    forged_by = SignerKey.generate("samr.example/tariff")  # same name, other key
    forged = sign_package(TariffPackage(Scope("fleet", "SH-A"), 5, T0, NEW), forged_by)
    result = meter.offer(forged, T0)
    assert result.decision is Decision.REJECTED and "not authentic" in result.reasons[0]
    # a genuine signature over altered content
    tampered = _package(6).replace('"start_fare":"14.00"', '"start_fare":"99.00"')
    result = meter.offer(tampered, T0)
    assert result.decision is Decision.REJECTED and "does not verify" in result.reasons[0]
    assert meter.version == 0 and meter.event_counter == 0
    assert [e.kind for e in meter.entries()] == ["rejected", "rejected"]


def test_package_for_another_meter_is_refused_and_logged() -> None:
    meter = _meter("M000001")
    result = meter.offer(_package(1, scope=Scope("meter", "M000002")), T0)
    assert result.decision is Decision.REJECTED and "M000002" in result.reasons[0]
    result = meter.offer(_package(2, scope=Scope("fleet", "BJ-B")), T0)
    assert result.decision is Decision.REJECTED and "BJ-B" in result.reasons[0]
    assert meter.offer(_package(3, scope=Scope("meter", "M000001")), T0).decision == "applied"
    assert meter.report().rejection_counter == 2


def test_full_log_refuses_changes_until_authorised_readout() -> None:
    meter = _meter(capacity=2)
    meter.offer(_package(1), T0)
    meter.offer(_package(1), T0)  # replay: refused and kept among the refusals
    assert not meter.log_full  # refusals never fill the change log
    meter.offer(_package(2, params=BASE), T0)
    assert meter.log_full  # two change sessions fill a capacity of 2
    refused = meter.offer(_package(3), T0)
    assert refused.decision is Decision.REJECTED and "full" in refused.reasons[0]
    assert meter.version == 2 and meter.report().refused_while_full == 1
    with pytest.raises(ReadoutRefused, match="not authentic"):
        meter.read_out(readout_request(meter.serial, 0, SignerKey.generate("x.example/r")))
    with pytest.raises(ReadoutRefused, match="M000009"):
        meter.read_out(readout_request("M000009", 0, READER))
    request = readout_request(meter.serial, 0, READER)
    entries = meter.read_out(request)
    assert [e.kind for e in entries] == ["change", "rejected", "change"]
    with pytest.raises(ReadoutRefused, match="replayed"):
        meter.read_out(request)
    counters = (meter.event_counter, meter.report().rejection_counter)
    assert counters == (2, 2)  # read-out does not reset counters
    assert meter.offer(_package(3), T0).decision is Decision.APPLIED
    assert meter.event_counter == 3 and meter.entries()[0].counter == 3


def test_a_flood_of_forgeries_cannot_block_a_genuine_change() -> None:
    meter = _meter(capacity=2)
    forger = SignerKey.generate("samr.example/tariff")
    forged = sign_package(TariffPackage(Scope("fleet", "SH-A"), 9, T0, NEW), forger)
    for _ in range(500):
        assert meter.offer(forged, T0).decision is Decision.REJECTED
    report = meter.report()
    assert report.rejection_counter == 500 and not meter.log_full
    assert len(meter.entries()) == meter.rejection_log_capacity  # only the latest are kept
    assert meter.offer(_package(1), T0).decision is Decision.APPLIED
    assert meter.entries()[-1].kind == "change"


def test_regulator_key_required_not_just_any_trusted_key() -> None:
    # A reader key is trusted by the meter, but not for tariffs.
    pkg = TariffPackage(Scope("fleet", "SH-A"), 1, T0, NEW)
    meter = Meter("M1", BASE, REGULATOR_KEYS.add(READER.verifier(), role="reader"), fleet="SH-A")
    assert meter.offer(sign_package(pkg, READER), T0).decision is Decision.REJECTED
    with pytest.raises(NoteVerificationError):
        open_package(sign_package(pkg, READER), READER_KEYS)


def test_malformed_packages() -> None:
    with pytest.raises(PackageError, match="version"):
        TariffPackage(Scope("fleet", "SH-A"), 0, T0, NEW)
    with pytest.raises(PackageError, match=r"scope\.kind"):
        Scope("city", "SH")  # type: ignore[arg-type]
    with pytest.raises(PackageError, match="timezone"):
        TariffPackage(Scope("fleet", "SH-A"), 1, datetime(2026, 1, 1), NEW)


def test_fleet_campaign_test_sized_and_seal_check() -> None:
    meters = make_fleet(300, "SH-A", BASE, REGULATOR_KEYS, READER_KEYS)
    result = apply_to_fleet(meters, _package(1), T0)
    assert result.counts() == {"applied": 300, "pending": 0, "rejected": 0}
    again = apply_to_fleet(meters, _package(1), T0)
    assert again.counts()["rejected"] == 300
    report = meters[0].report()
    assert seal_discrepancies(report, 1, NEW.parameter_hash(), 1) == []
    # a meter whose parameters were changed outside the signed path breaks the seal
    meters[1].parameters = BASE
    problems = seal_discrepancies(meters[1].report(), 1, NEW.parameter_hash(), 1)
    assert len(problems) == 1 and "parameter hash" in problems[0]


def test_newer_package_supersedes_a_pending_one_and_stale_pending_is_refused() -> None:
    meter = _meter()
    later = T0 + timedelta(days=1)
    assert meter.offer(_package(2, effective=later), T0).decision is Decision.PENDING
    stale = meter.offer(_package(1), T0)  # older than the pending version 2
    assert stale.decision is Decision.REJECTED and "not newer than 2" in stale.reasons[0]
    assert meter.offer(_package(3, params=BASE, effective=later), T0).decision == "pending"
    assert meter.report().pending_version == 3
    assert meter.tick(later) is not None
    assert meter.version == 3 and meter.event_counter == 1


def test_pending_package_is_applied_on_time_despite_forgeries() -> None:
    meter = _meter(capacity=1)
    later = T0 + timedelta(hours=1)
    assert meter.offer(_package(1, effective=later), T0).decision is Decision.PENDING
    forged = sign_package(
        TariffPackage(Scope("fleet", "SH-A"), 7, T0, NEW), SignerKey.generate("samr.example/tariff")
    )
    for _ in range(50):
        meter.offer(forged, T0)
    assert meter.tick(T0 + timedelta(minutes=59)) is None and meter.version == 0
    applied = meter.tick(later)
    assert applied is not None and applied.decision is Decision.APPLIED and meter.version == 1
    assert meter.log_full  # the one change session filled a capacity of 1


def test_authentic_but_malformed_package_is_refused_with_the_field() -> None:
    from jiliang.trust import sign_note

    record = TariffPackage(Scope("fleet", "SH-A"), 1, T0, NEW).to_record().to_json_value()
    record["body"]["parameters"]["k_pulses_per_km"] = 0
    from jiliang.trust import canonical_json

    signed = sign_note(canonical_json(record).decode() + "\n", [REGULATOR])
    meter = _meter()
    result = meter.offer(signed, T0)
    assert result.decision is Decision.REJECTED
    assert "malformed" in result.reasons[0] and "k_pulses_per_km" in result.reasons[0]
    assert meter.entries()[0].kind == "rejected"


def test_counters_survive_many_sessions_and_readouts() -> None:
    meter = _meter(capacity=3)
    for version in range(1, 10):
        params = NEW if version % 2 else BASE
        assert meter.offer(_package(version, params=params), T0).decision is Decision.APPLIED
        if meter.log_full:
            meter.read_out(readout_request(meter.serial, meter.report().readout_counter, READER))
    report = meter.report()
    assert report.event_counter == 9 and report.readout_counter == 3
    assert report.tariff_version == 9 and report.parameter_hash == NEW.parameter_hash()


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_mutated_package_is_refused_without_changing_parameters(data: st.DataObject) -> None:
    signed = _package(1)
    pos = data.draw(st.integers(0, len(signed) - 1))
    replacement = data.draw(st.text(max_size=3))
    mutated = signed[:pos] + replacement + signed[pos + 1 :]
    meter = _meter()
    result = meter.offer(mutated, T0)
    if mutated == signed:
        assert result.decision is Decision.APPLIED
        return
    if result.decision is Decision.APPLIED:
        # possible only if the signed text and decoded signature are unchanged (base64
        # ignores the 2 unused bits of the last character of a 68-byte signature)
        assert parse_note(mutated).text == parse_note(signed).text
        return
    assert result.decision is Decision.REJECTED and result.reasons
    assert meter.parameters == BASE and meter.version == 0 and meter.event_counter == 0
