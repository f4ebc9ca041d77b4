import XCTest
@testable import MTCrypto

/// The worked example of core.telegram.org/mtproto/samples-auth_key.
final class TelegramSamplesTests: XCTestCase {
    let newNonce = hex("311C85DB234AA2640AFC4A76A735CF5B1F0FD68BD17FA181E1229AD867CC024D")
    let serverNonce = hex("A5CF4D33F4A11EA877BA4AA573907330")
    let nonce = hex("3E0549828CCA27E966B301A48FECE2FC")

    func testPQFactorisation() throws {
        let (p, q) = try XCTUnwrap(PQ.factorize(0x17ED_4894_1A08_F981))
        XCTAssertEqual(p, 0x494C_553B)
        XCTAssertEqual(q, 0x5391_1073)
    }

    func testTmpAESKeyAndIV() {
        let (key, iv) = AuthKeyMath.tmpAESKeyIV(newNonce: newNonce, serverNonce: serverNonce)
        XCTAssertEqual(key, hex("F011280887C7BB01DF0FC4E17830E0B91FBB8BE4B2267CB985AE25F33B527253"))
        XCTAssertEqual(iv, hex("3212D579EE35452ED23E0D0C92841AA7D31B2E9BDEF2151E80D15860311C85DB"))
    }

    /// The server's encrypted_answer decrypts to SHA1(answer) ‖ server_DH_inner_data ‖ padding.
    func testDecryptServerDHParamsAnswer() throws {
        let encrypted = hex("""
            28A92FE20173B347A8BB324B5FAB2667C9A8BBCE6468D5B509A4CBDDC186240AC912CF7006AF8926DE606A2E74C0493CAA57741E6C82451F\
            54D3E068F5CCC49B4444124B9666FFB405AAB564A3D01E67F6E912867C8D20D9882707DC330B17B4E0DD57CB53BFAAFA9EF5BE76AE6C1B9B\
            6C51E2D6502A47C883095C46C81E3BE25F62427B585488BB3BF239213BF48EB8FE34C9A026CC8413934043974DB03556633038392CECB51F\
            94824E140B98637730A4BE79A8F9DAFA39BAE81E1095849EA4C83467C92A3A17D997817C8A7AC61C3FF414DA37B7D66E949C0AEC858F0482\
            24210FCC61F11C3A910B431CCBD104CCCC8DC6D29D4A5D133BE639A4C32BBFF153E63ACA3AC52F2E4709B8AE01844B142C1EE89D075D64F6\
            9A399FEB04E656FE3675A6F8F412078F3D0B58DA15311C1A9F8E53B3CD6BB5572C294904B726D0BE337E2E21977DA26DD6E33270251C2CA2\
            9DFCC70227F0755F84CFDA9AC4B8DD5F84F1D1EB36BA45CDDC70444D8C213E4BD8F63B8AB95A2D0B4180DC91283DC063ACFB92D6A4E407CD\
            E7C8C69689F77A007441D4A6A8384B666502D9B77FC68B5B43CC607E60A146223E110FCB43BC3C942EF981930CDC4A1D310C0B64D5E55D30\
            8D863251AB90502C3E46CC599E886A927CDA963B9EB16CE62603B68529EE98F9F5206419E03FB458EC4BD9454AA8F6BA777573CC54B32889\
            5B1DF25EAD9FB4CD5198EE022B2B81F388D281D5E5BC580107CA01A50665C32B552715F335FD76264FAD00DDD5AE45B94832AC79CE7C511D\
            194BC42B70EFA850BB15C2012C5215CABFE97CE66B8D8734D0EE759A638AF013
            """)
        XCTAssertEqual(encrypted.count, 592)
        let (key, iv) = AuthKeyMath.tmpAESKeyIV(newNonce: newNonce, serverNonce: serverNonce)
        let answer = try AESIGE.decrypt(encrypted, key: key, iv: iv)
        // server_DH_inner_data: id, nonce, server_nonce, g, dh_prime (TL bytes of 256), g_a (same), server_time.
        let inner = Array(answer[20..<584])
        XCTAssertEqual(Array(answer[0..<20]), SHA1.hash(inner))
        XCTAssertEqual(Array(inner[0..<4]), [0xBA, 0x0D, 0x89, 0xB5])
        XCTAssertEqual(Array(inner[4..<20]), nonce)
        XCTAssertEqual(Array(inner[20..<36]), serverNonce)
        XCTAssertEqual(Array(inner[36..<40]), [2, 0, 0, 0])
        let dhPrime = Array(inner[44..<300])
        XCTAssertEqual(dhPrime, TelegramDH.prime)
        // The sample's g = 2 breaks Telegram's own rule for this prime (p mod 8 = 3, not 7).
        XCTAssertThrowsError(try DHValidation.checkPrimeAndGenerator(prime: dhPrime, g: 2)) {
            XCTAssertEqual($0 as? CryptoError, .generatorResidueMismatch(g: 2, modulus: 8, residue: 3))
        }
        XCTAssertNoThrow(try DHValidation.checkPrimeAndGenerator(prime: dhPrime, g: TelegramDH.g))
        // Re-encrypting gives the server's bytes back.
        XCTAssertEqual(try AESIGE.encrypt(answer, key: key, iv: iv), encrypted)
    }
}
