import Foundation
import MTNetwork

/// One client connection accepted by `MTListener`, served by a `DCConnection`: its packets go
/// in, the actions that come out are carried out on the connection in order, and pushed
/// updates from the `UpdateHub` join the same ordered stream of packets.
final class ServedConnection: @unchecked Sendable {
    private let link: MTServerConnection
    private let lock = NSLock()
    private var connection: DCConnection
    /// Auth keys registered with the update hub.
    private var registered: Set<Int64> = []
    /// Behind an injected delay (pushes arriving then are dropped, as a stalled server's would be).
    private var delayed = false
    private var closed = false
    /// Pushes run here, in order and never on the caller's thread: the hub may call from
    /// inside another connection's request, under the world's lock.
    private let pushes = DispatchQueue(label: "testdc.pushes")

    /// Unwritten bytes past which a push closes the connection instead of queueing more:
    /// a client that stops reading must not make the server buffer without bound.
    static let maxUnwrittenBytes = 8 << 20
    /// Unwritten answer bytes past which the next packet is not read until they are written.
    static let readAheadOfWrites = 1 << 20

    private init(link: MTServerConnection, connection: DCConnection) {
        self.link = link
        self.connection = connection
    }

    /// Serves `link` until either side closes; `route` picks the DC (by the header's DC id when `proxied`).
    static func serve(_ link: MTServerConnection, proxied: Bool, route: @Sendable (Int?) -> DCContext?) async {
        guard let context = route(proxied ? link.headerDCID.map { abs($0) % 10_000 } : nil) else {
            await link.close()
            return
        }
        await ServedConnection(link: link, connection: DCConnection(context: context)).run()
    }

    private var context: DCContext { connection.context }

    private func run() async {
        // Injected delays pause a connection's reading, which only the pulling loop can do.
        guard context.world.config.faults.delayMilliseconds ?? 0 <= 0 else { return await pull() }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            var stopped = false
            link.deliverPackets(pauseAbove: Self.readAheadOfWrites, to: { [self] packets in
                for packet in packets where !stopped {
                    let rest: ArraySlice<ConnectionAction> = lock.withLock {
                        queueSends(connection.handle(packet)[...])
                    }
                    if !rest.isEmpty, !performAtOnce(rest) {
                        stopped = true
                        done.resume()
                    }
                    registerKeys()
                }
            }, ended: { [self] error in
                if let error { context.log("connection closed: \(error)") }
                guard !stopped else { return }
                stopped = true
                finish()
                Task { await link.close() }
                done.resume()
            })
        }
    }

    /// Carries out sends and silence limits on the event loop at once; an action that ends the
    /// connection (and those after it) goes to `perform` in a task, and false says to read no more.
    private func performAtOnce(_ actions: ArraySlice<ConnectionAction>) -> Bool {
        var rest = actions
        while let action = rest.first {
            switch action {
            case .send(let packet): link.enqueue(packet)
            case .closeWhenSilent(let seconds): link.closeWhenSilent(after: .seconds(seconds))
            default:
                Task { [self, rest] in
                    _ = await perform(rest)
                    finish()
                    await link.close()
                }
                return false
            }
            rest.removeFirst()
        }
        return true
    }

    /// Pulls packets one at a time, for connections whose actions may pause them.
    private func pull() async {
        do {
            for try await packet in link.packets {
                // Handling and queueing the answers under one lock keeps them in order with pushes.
                let rest: ArraySlice<ConnectionAction> = lock.withLock {
                    let actions = connection.handle(packet)
                    return queueSends(actions[...])
                }
                guard await perform(rest) else { break }
                registerKeys()
                // Past a bound, wait for the socket before reading on: a client that does not read stalls only itself.
                if link.unwrittenBytes > Self.readAheadOfWrites { try await link.flush() }
            }
        } catch {
            context.log("connection closed: \(error)")
        }
        finish()
        await link.close()
    }

    /// Queues the leading `.send`s; returns the actions from the first other one on. Called under `lock`.
    private func queueSends(_ actions: ArraySlice<ConnectionAction>) -> ArraySlice<ConnectionAction> {
        var rest = actions
        while case .send(let packet)? = rest.first, !closed {
            link.enqueue(packet)
            rest.removeFirst()
        }
        return rest
    }

    /// Carries out the actions in order; false when the connection is to close.
    private func perform(_ actions: ArraySlice<ConnectionAction>) async -> Bool {
        var rest = actions
        while let action = rest.popFirst() {
            switch action {
            case .send(let packet):
                link.enqueue(packet)
            case .transportError(let code):
                finish()
                await link.sendTransportError(code)
                return false
            case .delay(let ms):
                lock.withLock { delayed = true }
                try? await Task.sleep(for: .milliseconds(ms))
                lock.withLock { delayed = false }
            case .sendHalfAndClose(let packet):
                finish()
                await link.sendHalfFrameAndClose(packet)
                return false
            case .closeWhenSilent(let seconds):
                link.closeWhenSilent(after: .seconds(seconds))
            case .close:
                return false
            }
        }
        return true
    }

    private func registerKeys() {
        guard let hub = context.hub else { return }
        let fresh: [Int64] = lock.withLock {
            guard !closed else { return [] }
            let keys = connection.activeKeys.filter { !registered.contains($0) }
            registered.formUnion(keys)
            return keys
        }
        for key in fresh {
            hub.register(key: key, owner: ObjectIdentifier(self)) { [weak self] body in
                guard let self else { return }
                pushes.async { [weak self] in self?.push(body, key: key) }
            }
        }
    }

    private func push(_ body: [UInt8], key: Int64) {
        let overflow: Bool = lock.withLock {
            guard !closed, !delayed else { return false }
            guard link.unwrittenBytes < Self.maxUnwrittenBytes else { return true }
            _ = queueSends(connection.push(body, keyID: key)[...])
            return false
        }
        if overflow {
            context.log("client is not reading its updates: closing")
            Task { await link.close() }
        }
    }

    /// Stops pushes and leaves the update hub.
    private func finish() {
        let keys: [Int64] = lock.withLock {
            closed = true
            return Array(registered)
        }
        context.hub?.unregister(owner: ObjectIdentifier(self), keys: keys)
    }
}
