import Foundation

/// The test server's config file (JSON): which apps may connect, the bots and
/// accounts that exist from the start, the rules' limits, and the faults to inject.
public struct TestDCConfig: Codable, Equatable, Sendable {
    /// When non-empty, only these api_id/api_hash pairs may send codes or log in.
    public var apps: [App] = []
    public var bots: [Bot] = []
    public var accounts: [SeedAccount] = []
    public var limits: Limits = Limits()
    public var faults: Faults = Faults()

    public init() {}

    public struct App: Codable, Equatable, Sendable {
        public var apiID: Int32
        public var apiHash: String
        enum CodingKeys: String, CodingKey { case apiID = "api_id", apiHash = "api_hash" }
    }

    /// A bot, logged in with `auth.importBotAuthorization`; its user id is the token's number before the colon.
    public struct Bot: Codable, Equatable, Sendable {
        public var token: String
        public var firstName: String?
        public var username: String?
        public var dc: Int?
        enum CodingKeys: String, CodingKey { case token, firstName = "first_name", username, dc }
    }

    /// An account that exists from the start (its password is turned into an SRP verifier when loaded).
    public struct SeedAccount: Codable, Equatable, Sendable {
        public var phone: String
        public var firstName: String
        public var lastName: String?
        public var username: String?
        public var password: String?
        public var hint: String?
        public var email: String?
        enum CodingKeys: String, CodingKey { case phone, firstName = "first_name", lastName = "last_name", username, password, hint, email }
    }

    public struct Limits: Codable, Equatable, Sendable {
        /// Seconds a login code stays valid.
        public var codeTTL: Int = 300
        /// Wrong codes per phone_code_hash before the code is burnt and the phone must wait.
        public var codeAttempts: Int = 5
        /// `auth.sendCode` calls per phone per window before FLOOD_WAIT.
        public var sendCodePerWindow: Int = 5
        /// Wrong passwords per account per window before FLOOD_WAIT.
        public var passwordAttempts: Int = 5
        /// The counting window and the longest wait, in seconds.
        public var floodWindow: Int = 3600
        /// The account a number outside 99966XYYYY lives on.
        public var defaultDC: Int = 1
        enum CodingKeys: String, CodingKey {
            case codeTTL = "code_ttl", codeAttempts = "code_attempts", sendCodePerWindow = "send_code_per_window"
            case passwordAttempts = "password_attempts", floodWindow = "flood_window", defaultDC = "default_dc"
        }
        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Limits()
            codeTTL = try c.decodeIfPresent(Int.self, forKey: .codeTTL) ?? d.codeTTL
            codeAttempts = try c.decodeIfPresent(Int.self, forKey: .codeAttempts) ?? d.codeAttempts
            sendCodePerWindow = try c.decodeIfPresent(Int.self, forKey: .sendCodePerWindow) ?? d.sendCodePerWindow
            passwordAttempts = try c.decodeIfPresent(Int.self, forKey: .passwordAttempts) ?? d.passwordAttempts
            floodWindow = try c.decodeIfPresent(Int.self, forKey: .floodWindow) ?? d.floodWindow
            defaultDC = try c.decodeIfPresent(Int.self, forKey: .defaultDC) ?? d.defaultDC
        }
    }

    /// Deterministic misbehaviour for tests.
    public struct Faults: Codable, Equatable, Sendable {
        /// Close each connection after it has received this many frames.
        public var dropAfterFrames: Int?
        /// Close the connection (without answering) when this method arrives.
        public var dropAtMethod: String?
        /// Send half of the answer's frame, then close, when this method arrives.
        public var closeMidFrameAtMethod: String?
        /// Delay every answer by this many milliseconds.
        public var delayMilliseconds: Int?
        /// Hand out a new server salt every this many seconds (the old one stays valid briefly, as on Telegram).
        public var rotateSaltSeconds: Int?
        /// Shift the server's clock by this many seconds (clients then get bad_msg_notification / time fixes).
        public var clockSkewSeconds: Int?
        /// Answer chosen methods with chosen RPC errors.
        public var errors: [InjectedError] = []

        enum CodingKeys: String, CodingKey {
            case dropAfterFrames = "drop_after_frames", dropAtMethod = "drop_at_method", closeMidFrameAtMethod = "close_mid_frame_at_method"
            case delayMilliseconds = "delay_ms", rotateSaltSeconds = "rotate_salt_seconds", clockSkewSeconds = "clock_skew_seconds", errors
        }
        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dropAfterFrames = try c.decodeIfPresent(Int.self, forKey: .dropAfterFrames)
            dropAtMethod = try c.decodeIfPresent(String.self, forKey: .dropAtMethod)
            closeMidFrameAtMethod = try c.decodeIfPresent(String.self, forKey: .closeMidFrameAtMethod)
            delayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .delayMilliseconds)
            rotateSaltSeconds = try c.decodeIfPresent(Int.self, forKey: .rotateSaltSeconds)
            clockSkewSeconds = try c.decodeIfPresent(Int.self, forKey: .clockSkewSeconds)
            errors = try c.decodeIfPresent([InjectedError].self, forKey: .errors) ?? []
        }
    }

    /// "Answer `method` with `error`", optionally only for one phone number, only `times` times.
    public struct InjectedError: Codable, Equatable, Sendable {
        public var method: String
        /// As Telegram writes it: `FLOOD_WAIT_30`, `PHONE_MIGRATE_2`, `INTERNAL` (code inferred) or `500 INTERNAL`.
        public var error: String
        public var code: Int?
        /// Only requests whose `phone_number` is this one.
        public var phone: String?
        /// Only this many times (nil: always).
        public var times: Int?

        public init(method: String, error: String, code: Int? = nil, phone: String? = nil, times: Int? = nil) {
            self.method = method; self.error = error; self.code = code; self.phone = phone; self.times = times
        }
    }

    enum CodingKeys: String, CodingKey { case apps, bots, accounts, limits, faults }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apps = try c.decodeIfPresent([App].self, forKey: .apps) ?? []
        bots = try c.decodeIfPresent([Bot].self, forKey: .bots) ?? []
        accounts = try c.decodeIfPresent([SeedAccount].self, forKey: .accounts) ?? []
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        faults = try c.decodeIfPresent(Faults.self, forKey: .faults) ?? Faults()
    }

    /// Reads a config file; a decoding problem is reported with the key path where it happened.
    public static func load(path: String) throws -> TestDCConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TestDCError.configUnreadable(path: path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(TestDCConfig.self, from: data) } catch let DecodingError.keyNotFound(key, ctx) {
            throw TestDCError.configInvalid(path: path, reason: "missing key '\(key.stringValue)' at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw TestDCError.configInvalid(path: path, reason: "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw TestDCError.configInvalid(path: path, reason: "not valid JSON")
        }
    }
}
