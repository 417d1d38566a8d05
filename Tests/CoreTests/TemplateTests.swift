import LaunchWatchCore
import Testing

@Suite("Template")
struct TemplateTests {
    @Test("reads literals and references in order")
    func readsPartsInOrder() throws {
        let template = try Template("projects/${env.PROJECT}/jobs?label=${fact.run_id}")
        #expect(
            template.parts == [
                .literal("projects/"), .reference(namespace: "env", name: "PROJECT"), .literal("/jobs?label="),
                .reference(namespace: "fact", name: "run_id"),
            ])
        #expect(template.references.map(\.namespace) == ["env", "fact"])
        #expect(template.references.map(\.name) == ["PROJECT", "run_id"])
    }

    @Test(
        "keeps a lone dollar sign as text",
        arguments: ["cost: $5", "$", "a$b", "$$", "end$"])
    func keepsLoneDollar(text: String) throws {
        #expect(try Template(text).parts == [.literal(text)])
    }

    @Test("reads $${ as a literal ${")
    func readsEscapedDollarBrace() throws {
        let template = try Template("echo $${HOME} and ${var.name}")
        #expect(template.parts == [.literal("echo ${HOME} and "), .reference(namespace: "var", name: "name")])
    }

    @Test("reads an empty string as no parts")
    func readsEmptyString() throws {
        #expect(try Template("").parts.isEmpty)
    }

    @Test(
        "rejects malformed references",
        arguments: [
            ("${env.NAME", #""${" is not closed with "}""#),
            ("prefix ${", #""${" is not closed with "}""#),
            ("${var.entity/items/${var.item}", #""${" is not closed with "}""#),
            ("${}", #""${}" is not a reference"#),
            ("${env}", #""${env}" is not a reference"#),
            ("${env.}", #""${env.}" is not a reference"#),
            ("${.NAME}", #""${.NAME}" is not a reference"#),
            ("${env.A B}", #""${env.A B}" is not a reference"#),
            ("${a.b.c}", #""${a.b.c}" is not a reference"#),
        ])
    func rejectsMalformedReferences(text: String, message: String) throws {
        let error = try #require(throws: Template.SyntaxError.self) { try Template(text) }
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test("tells how to write a reference and a literal ${")
    func malformedReferenceMessageExplainsSyntax() throws {
        let error = try #require(throws: Template.SyntaxError.self) { try Template("${project}") }
        #expect(error.message.contains("${env.NAME}"))
        #expect(error.message.contains("$${"))
    }

    @Test("renders resolved references as their values")
    func rendersResolvedReferences() throws {
        let template = try Template("${var.entity}/${var.queue}")
        let rendered = template.render { namespace, name in namespace == "var" ? name.uppercased() : nil }
        #expect(rendered == "ENTITY/QUEUE")
    }

    @Test("writes a literal ${ plainly once every reference is resolved")
    func rendersEscapesPlainlyWhenFullyResolved() throws {
        let template = try Template("$${x} ${var.a}")
        #expect(template.render { _, _ in "1" } == "${x} 1")
    }

    @Test("keeps unresolved references and re-escapes literals so the result renders again")
    func keepsUnresolvedReferences() throws {
        let template = try Template("$${x} ${env.A} ${fact.run_id}")
        let once = template.render { namespace, _ in namespace == "env" ? "a" : nil }
        #expect(once == "$${x} a ${fact.run_id}")
        let twice = try Template(once).render { _, name in name == "run_id" ? "r-1" : nil }
        #expect(twice == "${x} a r-1")
    }

    @Test("keeps escapes on request even when nothing is left to resolve")
    func keepsEscapesOnRequest() throws {
        let template = try Template("$${x} ${env.A}")
        #expect(template.render(keepingEscapes: true) { _, _ in "a" } == "$${x} a")
    }

    @Test("does not re-read a value as a reference")
    func valuesAreNotReread() throws {
        let template = try Template("${var.a}")
        #expect(template.render { _, _ in "${env.SECRET}" } == "${env.SECRET}")
    }

    @Test("finds the facts referenced anywhere in a JSON value")
    func findsReferencedFacts() throws {
        let config = try JSONParser.parse(
            """
            {"match": {"labels": {"run": "${fact.run_id}"}}, "names": ["${fact.job_id}-x", "$${fact.not_one}"],
             "project": "${env.P}", "broken": "${fact.unclosed"}
            """)
        #expect(config.referencedFacts == ["run_id", "job_id"])
    }

    @Test("fills in known facts and leaves the others")
    func substitutesFacts() throws {
        let config = try JSONParser.parse(#"{"filter": "run=${fact.run_id} job=${fact.job_id}", "n": 3}"#)
        let filled = config.substitutingFacts(["run_id": "r-1"])
        #expect(filled == .object([("filter", .string("run=r-1 job=${fact.job_id}")), ("n", .number(3))]))
        let complete = filled.substitutingFacts(["job_id": "j-2"])
        #expect(complete["filter"] == .string("run=r-1 job=j-2"))
    }
}
