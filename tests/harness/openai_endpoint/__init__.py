"""A loopback HTTPS endpoint standing in for the gateway and vLLM, correct or misconfigured on purpose."""

from .server import Misconfig, OpenAIEndpoint

__all__ = ["Misconfig", "OpenAIEndpoint"]
