"""The gateway's view of the national PKI for verifying envelopes (CA, CRL, every issued
certificate), reloaded when the directory changes: :class:`certs.reloading.ReloadingTrust`.
The TLS listener's context reloads its CRL too (:func:`certs.tls.server_context`); the
envelope check is the one that decides what is stored."""

from certs.reloading import ReloadingTrust

__all__ = ["ReloadingTrust"]
