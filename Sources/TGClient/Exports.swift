// The types in TelegramClient's public API (TLValue/TLObject, DataCenter,
// Proxy, TransportProtocol, RPCError) come with `import TGClient`.
@_exported import MTNetwork
@_exported import MTProto
@_exported import TL
