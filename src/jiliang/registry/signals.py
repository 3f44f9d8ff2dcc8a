"""Signals other apps listen to (the registry never imports them)."""

from django.dispatch import Signal

# Sent after a bulk import of certificates commits: kwargs `certificate_ids` (list of ids;
# no instances, which would cost more than the import at 10^5 rows).
certificates_imported = Signal()

# Sent after a bulk import of standards commits: kwargs `standards` and
# `examination_certificates` (lists of the created rows).
standards_imported = Signal()

# Sent after instruments change state (registry.state_changes) commits: kwargs
# `instrument_ids` (list), `state` (retired, in_service, scrapped, lost, transferred), `on`.
instrument_states_changed = Signal()
