import XCTest
@testable import Workflow

final class ExpressionTests: XCTestCase {
    let here = SourceLocation(file: "t", line: 1, column: 1)

    func evaluate(_ text: String, _ context: EvaluationContext = EvaluationContext()) throws -> Evaluated {
        try Evaluator(context: context).evaluate(try ExpressionParser.parse(text, at: here))
    }

    func testOperatorsAndPrecedence() throws {
        XCTAssertEqual(try evaluate("1 < 2 && !(2 < 1) || false").value, .bool(true))
        XCTAssertEqual(try evaluate("'a' == 'a' && 3 >= 3").value, .bool(true))
        XCTAssertEqual(try evaluate("1 == 1.0").value, .bool(true))
        XCTAssertEqual(try evaluate("-2 < -1").value, .bool(true))
        XCTAssertEqual(try evaluate("'it''s'").value, .string("it's"))
    }

    func testEqualityNeverCoerces() {
        XCTAssertThrowsError(try evaluate("1 == '1'")) { XCTAssertTrue("\($0)".contains("does not convert")) }
        var checker = TypeChecker(scope: TypeScope())
        _ = checker.check(try! ExpressionParser.parse("1 == '1'", at: here))
        XCTAssertEqual(checker.problems.map(\.rule), [.type])
    }

    func testFunctions() throws {
        var c = EvaluationContext()
        c.inputs["phone"] = Evaluated(.string("+9996621234"))
        c.inputs["empty"] = Evaluated(.string(""))
        XCTAssertEqual(try evaluate("startsWith(inputs.phone, '+999')", c).value, .bool(true))
        XCTAssertEqual(try evaluate("contains(inputs.phone, '662')", c).value, .bool(true))
        XCTAssertEqual(try evaluate("length(inputs.phone)", c).value, .int(11))
        XCTAssertEqual(try evaluate("default(inputs.empty, 'x')", c).value, .string("x"))
        XCTAssertEqual(try evaluate("format('{0}-{1} {{literal}}', 'a', 2)", c).value, .string("a-2 {literal}"))
        XCTAssertEqual(try evaluate("json(inputs.phone)", c).value, .string("\"+9996621234\""))
        XCTAssertNotNil(try evaluate("now()", c).value.stringValue)
    }

    func testSecrecyPropagatesThroughEveryFunctionThatKeepsTheValue() throws {
        var c = EvaluationContext()
        c.secrets["pw"] = Evaluated(.string("hunter22"), secret: true)
        XCTAssertTrue(try evaluate("format('x{0}', secrets.pw)", c).secret)
        XCTAssertTrue(try evaluate("json(secrets.pw)", c).secret)
        XCTAssertTrue(try evaluate("default(secrets.pw, 'a')", c).secret)
        XCTAssertFalse(try evaluate("secrets.pw == 'a'", c).secret)
        let template = try ExpressionParser.template("pw=${{ secrets.pw }}", at: here)
        let v = try Evaluator(context: c).evaluate(template)
        XCTAssertEqual(v, Evaluated(.string("pw=hunter22"), secret: true))
    }

    func testSingleExpressionTemplateKeepsItsType() throws {
        var c = EvaluationContext()
        c.steps["me"] = ("succeeded", ["user": Evaluated(.object(["id": .int(42), "first_name": .string("Ann")]))])
        XCTAssertEqual(try Evaluator(context: c).evaluate(try ExpressionParser.template("${{ steps.me.outputs.user.id }}", at: here)).value, .int(42))
        XCTAssertEqual(try Evaluator(context: c).evaluate(try ExpressionParser.template("id ${{ steps.me.outputs.user.id }}", at: here)).value, .string("id 42"))
        XCTAssertEqual(try evaluate("steps.me.outputs.user['first_name']", c).value, .string("Ann"))
    }

    func testParseErrorsCarryColumns() {
        for (text, column, fragment) in [("a ==", 5, "expected a value"), ("(1", 3, "expected ')'"), ("f(1,", 5, "expected a value"), ("a.", 3, "expected a name"), ("1 @ 2", 3, "unexpected character")] {
            XCTAssertThrowsError(try ExpressionParser.parse(text, at: here), text) { error in
                let d = (error as! DiagnosticList).diagnostics[0]
                XCTAssertEqual(d.location.column, column, text)
                XCTAssertTrue(d.message.contains(fragment), "\(text): \(d.message)")
            }
        }
    }

    func testHostileExpressionsDoNotCrash() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        XCTAssertThrowsError(try ExpressionParser.parse(deep, at: here))
        let nots = String(repeating: "!", count: 10_000) + "true"
        _ = try? ExpressionParser.parse(nots, at: here)
        XCTAssertThrowsError(try ExpressionParser.template("${{ 'unterminated }}", at: here))
    }

    func testJSONParserIsStrictAndBounded() throws {
        XCTAssertEqual(try Value.parseJSON(#"{"a":[1,2.5,"x\u00e9",true,null],"b":-9223372036854775808}"#),
                       .object(["a": .array([.int(1), .double(2.5), .string("xé"), .bool(true), .null]), "b": .int(Int64.min)]))
        XCTAssertThrowsError(try Value.parseJSON("[1,]"))
        XCTAssertThrowsError(try Value.parseJSON(String(repeating: "[", count: 100_000)))
        let v = Value.object(["k": .string("a\"b\n")])
        XCTAssertEqual(try Value.parseJSON(v.json), v)
    }
}
