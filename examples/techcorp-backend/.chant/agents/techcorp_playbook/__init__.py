"""Playbooks of the TechCorp example agent, one module per kind of spec."""
