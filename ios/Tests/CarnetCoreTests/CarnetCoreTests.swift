import CarnetCore
import CryptoKit
import XCTest

/// Mirrors tests/kotlin (the JVM and Android instrumented tests): the vault as an app uses
/// it, the QR exchange, every failure as its own CarnetError case, lifetimes, threads.
final class CarnetCoreTests: XCTestCase {
    static let passphrase = "correct horse battery staple" // test-only; never printed

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    // MARK: fixtures

    func path(_ name: String = "vault.carnet") -> String { dir.appendingPathComponent(name).path }

    func owner() -> NewProfile {
        NewProfile(displayName: "Camille Martin", birthDate: "1966-03-14", relationship: .owner, bloodGroup: .aPos)
    }

    func prescription(_ profile: ProfileId, _ drug: String, date: String = "2026-09-01", strength: String = "1000 mg") -> NewRecord {
        NewRecord(profileId: profile, provenance: .patientEntered, body: .prescription(Prescription(
            prescriber: Prescriber(name: "Dr Leroy"), date: date,
            medications: [Medication(name: drug, strength: strength, instructions: "1 comprimé matin et soir",
                                     duration: .days(90), renewals: 3)])))
    }

    func lab(_ profile: ProfileId, _ date: String, _ value: Double) -> NewRecord {
        NewRecord(profileId: profile, provenance: .patientEntered, body: .labReport(LabReport(
            laboratory: "Laboratoire Bioclinic", collectionDate: date,
            results: [LabResult(analyte: "Hémoglobine glyquée (HbA1c)", loinc: "4548-4", value: .numeric(value),
                                unit: "%", abnormal: value > 6.0)])))
    }

    func allergy(_ profile: ProfileId) -> NewRecord {
        NewRecord(profileId: profile, provenance: .patientEntered,
                  body: .allergy(Allergy(substance: "Arachide", severity: .severe)))
    }

    func letter(_ profile: ProfileId, _ date: String, words: Int, seed: Int) -> NewRecord {
        var rng = seed
        let vocabulary = ["tension", "stable", "bisoprolol", "échographie", "kaliémie", "holter"]
        let text = (0..<words).map { _ -> String in
            rng = (rng &* 1103515245 &+ 12345) & 0x7fffffff
            return vocabulary[rng % vocabulary.count] + String(rng % 1000)
        }.joined(separator: " ")
        return NewRecord(profileId: profile, provenance: .patientEntered, body: .letter(Letter(
            author: "Dr Benali", specialty: "Cardiologie", date: date, subject: "Consultation de suivi", body: text)))
    }

    /// The case name of a CarnetError ("WrongPassphrase"), checking it leaks nothing.
    func expect(_ expected: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected \(expected), nothing thrown", file: file, line: line)
        } catch let error as CarnetError {
            let name = Mirror(reflecting: error).children.first?.label ?? "\(error)"
            XCTAssertEqual(name, expected, file: file, line: line)
            let text = "\(error)"
            for secret in [Self.passphrase, "Camille", "Metformine", "Arachide", "Bisoprolol"] {
                XCTAssertFalse(text.contains(secret), "\(expected) leaks", file: file, line: line)
            }
        } catch {
            XCTFail("expected \(expected), got \(type(of: error))", file: file, line: line)
        }
    }

    // MARK: vault

    func testCreateThenUnlockThroughTheKeychain() throws {
        let store = KeychainKeyStore(tag: "app.carnet.tests.\(UUID().uuidString)", useSecureEnclave: false)
        defer { store.delete() }
        let created = try createVault(path: path(), passphrase: Self.passphrase)
        XCTAssertNotNil(created.recoveryKey.range(of: "^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$", options: .regularExpression))
        _ = try created.vault.addProfile(profile: owner())
        try created.vault.addPlatformKeySlot(store: store)
        XCTAssertEqual(try created.vault.keySlotKinds(), ["passphrase", "platform", "recovery"])
        created.vault.lock()

        let vault = try Vault.unlockWithKeyStore(path: path(), store: store)
        XCTAssertEqual(try vault.profiles().map(\.displayName), ["Camille Martin"])
        _ = try Vault.unlockWithRecoveryKey(path: path(), recoveryKey: created.recoveryKey.lowercased())
        let other = KeychainKeyStore(tag: "app.carnet.tests.\(UUID().uuidString)", useSecureEnclave: false)
        defer { other.delete() }
        _ = try other.wrapKey(key: Data(count: 32))
        expect("KeyStoreFailed") { _ = try Vault.unlockWithKeyStore(path: path(), store: other) }
    }

    func testProfilesRecordsSearchSummary() throws {
        let vault = try createVault(path: path(), passphrase: Self.passphrase).vault
        let me = try vault.addProfile(profile: owner())
        let child = try vault.addProfile(profile: NewProfile(displayName: "Léa Martin", birthDate: "2019-05-02", relationship: .child))
        XCTAssertEqual(try vault.profiles().map(\.id), [me.id, child.id])
        XCTAssertEqual(try vault.findProfile(query: "LEA MARTIN").id, child.id)
        let first = try vault.addRecord(record: prescription(me.id, "Bisoprolol", strength: "5 mg"))
        _ = try vault.addRecord(record: prescription(me.id, "bisoprolol", date: "2026-10-15", strength: "2.5 mg"))
        _ = try vault.addRecord(record: lab(me.id, "2026-03-01", 7.4))
        _ = try vault.addRecord(record: lab(me.id, "2026-09-01", 6.9))
        _ = try vault.addRecord(record: allergy(child.id))
        XCTAssertEqual(try vault.records(profile: me.id).count, 4)
        XCTAssertEqual(try vault.search(query: "hemoglobine").count, 2)
        let summary = try vault.summary(profile: me.id, today: "2026-11-01")
        XCTAssertEqual(summary.currentMedications.map(\.medication.strength), ["2.5 mg"])
        XCTAssertEqual(summary.labTrends.first?.latest.value, .numeric(6.9))
        try vault.deleteRecord(id: first.id)
        expect("RecordNotFound") { _ = try vault.record(id: first.id) }
    }

    func testAttachmentsStreamFromAndToFiles() throws {
        let vault = try createVault(path: path(), passphrase: Self.passphrase).vault
        let me = try vault.addProfile(profile: owner())
        let record = try vault.addRecord(record: NewRecord(profileId: me.id, provenance: .patientEntered,
            body: .document(Document(title: "IRM", date: "2026-06-10", mediaType: "application/pdf"))))
        let bytes = Data((0..<(1_048_576 + 1234)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let source = dir.appendingPathComponent("irm.pdf")
        try bytes.write(to: source)
        let attachment = try vault.attachFile(record: record.id, path: source.path, mediaType: "application/pdf")
        XCTAssertEqual(attachment.size, UInt64(bytes.count))
        let out = dir.appendingPathComponent("copy.pdf")
        XCTAssertEqual(try vault.exportAttachment(id: attachment.id, path: out.path), UInt64(bytes.count))
        XCTAssertEqual(try Data(contentsOf: out), bytes)
    }

    // MARK: exchange

    func testDoctorKeyedExchange() throws {
        let vault = try createVault(path: path(), passphrase: Self.passphrase).vault
        let me = try vault.addProfile(profile: owner())
        _ = try vault.addRecord(record: prescription(me.id, "Metformine"))
        _ = try vault.addRecord(record: allergy(me.id))
        let doctor = try DoctorSession(lifetimeSeconds: 900)
        let hello = doctor.helloText()
        XCTAssertEqual(try parseHello(text: hello).fingerprint, doctor.fingerprint())
        let prepared = try vault.shareProfile(profile: me.id, selection: ShareSelection(), hello: hello, lifetimeSeconds: 1800, acceptUnverifiedDoctor: true)
        XCTAssertEqual(prepared.mode, .toHello(fingerprint: doctor.fingerprint()))
        let reader = ReaderSession(sessions: [doctor])
        XCTAssertTrue(try reader.pushText(scanned: prepared.codes[0]).complete)
        let opened = try XCTUnwrap(reader.result())
        XCTAssertEqual(opened.pack.patient.name, "Camille Martin")
        XCTAssertEqual(opened.pack.medications.map(\.name), ["Metformine"])
        let qr = try qrCode(text: prepared.codes[0], maxVersion: 25)
        XCTAssertEqual(qr.dark.count, Int(qr.width * qr.width))
        XCTAssertEqual(try qrPng(text: prepared.codes[0], scale: 4).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
        expect("WrongDevice") { _ = try ReaderSession(sessions: [try DoctorSession(lifetimeSeconds: 60)]).pushText(scanned: prepared.codes[0]) }

        for i in 1...3 { _ = try vault.addRecord(record: letter(me.id, "2026-10-0\(i)", words: 400, seed: i)) }
        let frames = try vault.shareProfile(profile: me.id, selection: ShareSelection(letterText: true), hello: hello, lifetimeSeconds: 600, acceptUnverifiedDoctor: true).codes
        XCTAssertGreaterThan(frames.count, 1)
        let frameReader = ReaderSession(sessions: [doctor])
        var complete = false
        for frame in frames.reversed() where !complete {
            complete = try frameReader.pushText(scanned: frame).complete
        }
        XCTAssertTrue(complete)
        XCTAssertEqual(frameReader.result()?.pack.letters.count, 3)
        let shared = try vault.auditLog().compactMap { entry -> String? in
            if case let .shared(_, _, recipient, _, _) = entry.action { return recipient }
            return nil
        }
        XCTAssertEqual(shared, [doctor.fingerprint(), doctor.fingerprint()])
    }

    // MARK: practitioners (test PKI from tests/src/bin/test_pki.rs, path in CARNET_TEST_PKI)

    func pki(_ name: String) throws -> Data {
        guard let dir = ProcessInfo.processInfo.environment["CARNET_TEST_PKI"] else {
            throw XCTSkip("set CARNET_TEST_PKI to a directory written by `cargo run -p carnet-tests --bin test_pki -- DIR`")
        }
        return try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(name))
    }

    func trustStore() throws -> TrustStore {
        let store = TrustStore()
        _ = try store.addCertificates(file: pki("authorities.pem"))
        XCTAssertEqual(store.anchors(), ["AC RACINE IGC-SANTE TEST"])
        return store
    }

    func newDose() -> RecordBody {
        .prescription(Prescription(
            prescriber: Prescriber(name: "Dr Karim Benali", specialty: "Cardiologie", rpps: "10101234564"),
            date: "2026-11-20",
            medications: [Medication(name: "Bisoprolol", strength: "2,5 mg", instructions: "1 comprimé le matin",
                                     duration: .days(90))]))
    }

    func scanSigned(_ codes: [String]) throws -> Data {
        let scanner = SignedRecordScanner()
        for code in codes.reversed() { _ = try scanner.pushText(scanned: code) }
        XCTAssertTrue(scanner.progress().complete)
        return try XCTUnwrap(scanner.signedRecord())
    }

    func testVerifiedRecipientSignedRecordAndReceipt() throws {
        let trust = try trustStore()
        let signer = try CryptoKitSigner(certificate: pki("practitioner.pem"), key: pki("practitioner.key.der"))
        let vault = try createVault(path: path(), passphrase: Self.passphrase).vault
        let me = try vault.addProfile(profile: owner())
        _ = try vault.addRecord(record: prescription(me.id, "Metformine"))

        let doctor = try DoctorSession.signed(lifetimeSeconds: 900, signer: signer)
        let hello = try parseHello(text: doctor.helloText(), trust: trust)
        XCTAssertEqual(hello.practitioner?.identity.rpps, "10101234564")
        XCTAssertNil(try parseHello(text: doctor.helloText(), trust: nil).practitioner)
        let code = try vault.shareProfile(profile: me.id, selection: ShareSelection(), hello: doctor.helloText(),
                                          lifetimeSeconds: 600, trust: trust).codes[0]
        let reader = ReaderSession(sessions: [doctor])
        XCTAssertTrue(try reader.pushText(scanned: code).complete)
        let receipt = try vault.keepReceipt(scanned: receiptCode(share: XCTUnwrap(reader.result()), signer: signer), trust: trust)
        XCTAssertTrue(receipt.verified)
        XCTAssertEqual(try vault.receipts(), [receipt])

        let signed = try scanSigned(issueSignedRecord(body: newDose(), patient: Patient(name: "MARTIN Camille", birthDate: "1966-03-14"), signer: signer))
        XCTAssertTrue(try checkSignedRecord(signedRecord: signed, trust: trust).verified)
        let stored = try vault.importSignedRecord(profile: me.id, signedRecord: signed, trust: trust, acceptUnverified: false)
        guard case let .practitioner(_, _, anchor, _, verified) = stored.provenance else { return XCTFail("provenance") }
        XCTAssertTrue(verified)
        XCTAssertEqual(anchor, "AC RACINE IGC-SANTE TEST")

        var modified = signed
        let at = try XCTUnwrap(modified.range(of: Data("Bisoprolol".utf8))).lowerBound
        modified[at] = UInt8(ascii: "C")
        expect("SignatureInvalid") { _ = try vault.importSignedRecord(profile: me.id, signedRecord: modified, trust: trust, acceptUnverified: true) }
        let stranger = try CryptoKitSigner(certificate: pki("stranger.pem"), key: pki("stranger.key.der"))
        let fromStranger = try scanSigned(issueSignedRecord(body: newDose(), patient: Patient(name: "MARTIN Camille", birthDate: "1966-03-14"), signer: stranger))
        expect("UnknownAuthority") { _ = try vault.importSignedRecord(profile: me.id, signedRecord: fromStranger, trust: trust, acceptUnverified: false) }
        let expired = try CryptoKitSigner(certificate: pki("expired.pem"), key: pki("expired.key.der"))
        let late = try scanSigned(issueSignedRecord(body: newDose(), patient: Patient(name: "MARTIN Camille", birthDate: "1966-03-14"), signer: expired))
        expect("CertificateExpired") { _ = try vault.importSignedRecord(profile: me.id, signedRecord: late, trust: trust, acceptUnverified: false) }
        expect("CertificateRejected") { _ = try TrustStore().addCertificates(file: self.pki("practitioner.pem")) }
    }

    // MARK: backups

    func testBackupRestoreAndMerge() throws {
        let created = try createVault(path: path(), passphrase: Self.passphrase)
        let vault = created.vault
        let me = try vault.addProfile(profile: owner())
        _ = try vault.addRecord(record: prescription(me.id, "Metformine"))
        _ = try vault.addRecord(record: allergy(me.id))
        let summary = try vault.backup(path: path("backup"), key: .recoveryKey(recoveryKey: created.recoveryKey), profiles: nil)
        XCTAssertEqual(summary.records, 2)
        let restored = try restoreBackup(archive: path("backup"), key: .recoveryKey(recoveryKey: created.recoveryKey),
                                         target: path("new.carnet"), newPassphrase: Self.passphrase)
        XCTAssertEqual(restored.report.recordsAdded, 2)
        XCTAssertEqual(try restored.vault.records(), try vault.records())

        let handover = BackupKey.passphrase(passphrase: "handover passphrase")
        _ = try vault.backup(path: path("handover"), key: handover, profiles: [me.id])
        let other = try createVault(path: path("other.carnet"), passphrase: Self.passphrase).vault
        XCTAssertEqual(try other.mergeBackup(archive: path("handover"), key: handover).recordsAdded, 2)
        XCTAssertEqual(try other.mergeBackup(archive: path("handover"), key: handover).recordsSkipped, 2)
        expect("WrongBackupKey") { _ = try other.mergeBackup(archive: self.path("handover"), key: .passphrase(passphrase: "wrong passphrase")) }
        expect("NotABackup") { _ = try other.mergeBackup(archive: self.path(), key: handover) }
        let data = try Data(contentsOf: URL(fileURLWithPath: path("handover")))
        try data.dropLast().write(to: URL(fileURLWithPath: path("damaged")))
        expect("BackupDamaged") { _ = try other.mergeBackup(archive: self.path("damaged"), key: handover) }
        XCTAssertEqual(try other.records().count, 2)
    }

    // MARK: failures, lifetimes, threads

    func testEveryFailureIsTyped() throws {
        let created = try createVault(path: path(), passphrase: Self.passphrase)
        let vault = created.vault
        let me = try vault.addProfile(profile: owner())
        _ = try vault.addRecord(record: allergy(me.id))
        expect("WrongPassphrase") { _ = try Vault.unlockWithPassphrase(path: path(), passphrase: "wrong but long enough") }
        expect("RecoveryKeyMistyped") { _ = try Vault.unlockWithRecoveryKey(path: path(), recoveryKey: "0000-0000") }
        expect("VaultNotFound") { _ = try Vault.unlockWithPassphrase(path: path("none"), passphrase: Self.passphrase) }
        expect("AlreadyExists") { _ = try createVault(path: path(), passphrase: Self.passphrase) }
        expect("PassphraseTooShort") { try vault.changePassphrase(newPassphrase: "short") }
        expect("NoKeySlot") { _ = try Vault.unlockWithKeyStore(path: path(), store: KeychainKeyStore(useSecureEnclave: false)) }
        expect("ProfileNotFound") { _ = try vault.findProfile(query: "nobody") }
        expect("InvalidInput") { _ = try validateIns(text: "123456789012345") }
        expect("NotACarnetCode") { _ = try ReaderSession(sessions: []).pushText(scanned: "hello") }
        expect("DoesNotFit") { _ = try qrCode(text: String(repeating: "A", count: 2000), maxVersion: 1) }
        let card = try vault.emergencyCard(profile: me.id)
        expect("Tampered") { _ = try verifyEmergencyCard(text: card.replacingOccurrences(of: "Arachide", with: "Arachidf")) }
        vault.lock()
        expect("VaultLocked") { _ = try vault.profiles() }
    }

    func testOneVaultFromEightThreads() throws {
        let vault = try createVault(path: path(), passphrase: Self.passphrase).vault
        let me = try vault.addProfile(profile: owner())
        let failures = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<25 {
                do {
                    _ = try vault.addRecord(record: self.prescription(me.id, "Médicament-\(t)-\(i)"))
                    _ = try vault.records(profile: me.id)
                } catch {
                    failures.increment()
                }
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(try vault.records(profile: me.id).count, 200)
        XCTAssertEqual(try vault.search(query: "medicament-3-").count, 25)
    }
}

/// A `Signer` as a doctor's app would write one: CryptoKit's P-256 ECDSA, whose
/// `rawRepresentation` is the 64-byte r || s form Carnet expects. On a device the key would be
/// a Secure Enclave key or a CPS card; here it comes from the test PKI's PKCS#8 file.
final class CryptoKitSigner: Signer, @unchecked Sendable {
    private let chain: [Data]
    private let key: P256.Signing.PrivateKey

    init(certificate pem: Data, key der: Data) throws {
        let body = String(decoding: pem, as: UTF8.self)
            .split(separator: "\n")
            .filter { !$0.hasPrefix("-----") }
            .joined()
        chain = [try XCTUnwrap(Data(base64Encoded: body))]
        key = try P256.Signing.PrivateKey(derRepresentation: der)
    }

    func certificateChain() throws -> [Data] { chain }

    func sign(message: Data) throws -> Data {
        try key.signature(for: message).rawRepresentation
    }
}

/// A counter shared by the threads of a test.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
