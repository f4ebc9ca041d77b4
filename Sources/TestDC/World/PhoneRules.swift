/// Telegram's test-server phone rules: `99966XYYYY` lives on DC X and its code is X five times.
public enum PhoneRules {
    /// Login codes are this long, for test numbers and random ones alike.
    public static let codeLength = 5

    /// Digits only: `+999 66 1 0001` → `9996610001`; nil when it cannot be a phone number.
    public static func normalize(_ phone: String) -> String? {
        let digits = phone.filter { $0.isNumber && $0.isASCII }
        let allowed = phone.allSatisfy { $0.isNumber || $0 == "+" || $0 == " " || $0 == "-" || $0 == "(" || $0 == ")" }
        guard allowed, (5...15).contains(digits.count) else { return nil }
        return digits
    }

    /// The data centre X of a `99966XYYYY` number, or nil for any other number.
    public static func testDC(of phone: String) -> Int? {
        let d = Array(phone)
        guard d.count == 10, phone.hasPrefix("99966"), let x = d[5].wholeNumberValue, x > 0 else { return nil }
        return x
    }

    /// The fixed code of a test number (X repeated five times), or nil for other numbers.
    public static func testCode(of phone: String) -> String? {
        testDC(of: phone).map { String(repeating: String($0), count: codeLength) }
    }
}
