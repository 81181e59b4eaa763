"""Agent providers behind one small protocol (see ``base``)."""

from chant.agents.base import AGENT_NAMES, AgentRequest, AgentResult, get_agent
from chant.agents.program import probe_version

__all__ = ["AGENT_NAMES", "AgentRequest", "AgentResult", "get_agent", "probe_version"]
