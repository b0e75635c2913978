"""The contract shared by the regional node and the national gateway.

Reference data (Kemendagri region codes, population, regency boundaries), NIK/KK rules and the
enums of the DTKS data model. This package imports neither ``gateway`` nor ``regional_node``.
"""
