"""Signals other apps listen to (the registry never imports them)."""

from django.dispatch import Signal

# Sent after a bulk import of certificates commits: kwargs `certificates` (list of Certificate).
certificates_imported = Signal()

# Sent after a bulk import of standards commits: kwargs `standards` and
# `examination_certificates` (lists of the created rows).
standards_imported = Signal()
