"""Agent providers behind one small protocol (see ``base``)."""

from chant.agents.base import AGENT_NAMES, AgentRequest, AgentResult, get_agent

__all__ = ["AGENT_NAMES", "AgentRequest", "AgentResult", "get_agent"]
