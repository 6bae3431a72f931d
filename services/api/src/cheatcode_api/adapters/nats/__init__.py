from cheatcode_api.adapters.nats.command_bus import NatsCommandBus

__all__ = ["NatsCommandBus"]
