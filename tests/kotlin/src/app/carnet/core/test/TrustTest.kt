package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/**
 * Practitioners: the patient sees who they share with, the cardiologist's signed prescription
 * comes back by QR code and is stored as verified, the doctor's device signs a receipt. The
 * practitioner's key is held by a Kotlin [Signer] (the JDK's ECDSA), as a platform key would be.
 */
class TrustTest {
    @get:Rule
    val tmp = TemporaryFolder()

    private fun trustStore() = TrustStore().also { store ->
        val names = store.addCertificates(TestPki.bytes("authorities.pem"))
        assertEquals(listOf(TestPki.ROOT, "AC IGC-SANTE ELEMENTAIRE PERSONNES"), names)
        assertEquals("only the self-signed root is an anchor", listOf(TestPki.ROOT), store.anchors())
    }

    /** Camille, as the cardiologist's device knows her: the record is bound to her. */
    private fun camille() = Patient(name = "MARTIN Camille", birthDate = "1966-03-14")

    private fun newDose() = RecordBody.Prescription(
        Prescription(
            prescriber = Prescriber(name = "Dr Karim Benali", specialty = "Cardiologie", rpps = TestPki.RPPS),
            date = "2026-11-20",
            medications = listOf(
                Medication(
                    name = "Bisoprolol",
                    strength = "2,5 mg",
                    instructions = "1 comprimé le matin",
                    duration = MedicationDuration.Days(90u),
                ),
            ),
        ),
    )

    /** Scans every code of a signed record, in reverse order, and returns its bytes. */
    private fun scan(codes: List<String>): ByteArray = SignedRecordScanner().use { scanner ->
        assertNull(scanner.signedRecord())
        var progress = scanner.progress()
        for (code in codes.reversed()) progress = scanner.pushText(code)
        assertTrue(progress.complete)
        scanner.signedRecord()!!
    }

    @Test
    fun verifiedRecipientSharesAndReceipt() {
        val trust = trustStore()
        val practitioner = TestPki.practitioner()
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
            DoctorSession.signed(900UL, practitioner).use { doctor ->
                val helloText = doctor.helloText()
                // The patient sees who it is before sharing...
                val hello = parseHello(helloText, trust)
                val who = hello.practitioner!!
                assertEquals("Karim Benali", who.identity.displayName)
                assertEquals(TestPki.RPPS, who.identity.rpps)
                assertEquals("Médecin", who.identity.profession)
                assertEquals(TestPki.ROOT, who.anchor)
                assertTrue(hello.recipient, hello.recipient.endsWith("verified by ${TestPki.ROOT}"))
                // ...and, with no trust anchors, a warning instead.
                val unknown = parseHello(helloText)
                assertNull(unknown.practitioner)
                assertTrue(unknown.recipient.startsWith("UNVERIFIED recipient"))
                // A hello with no certificate at all is unverified too.
                DoctorSession(900UL).use { anonymous ->
                    assertNull(parseHello(anonymous.helloText(), trust).practitioner)
                }

                val code = vault.shareProfile(owner.id, ShareSelection(), helloText, 600UL, trust).codes.single()
                val shared = vault.auditLog().map { it.action }.filterIsInstance<AuditAction.Shared>().single()
                assertEquals(hello.recipient, shared.practitioner)

                // The doctor reads it and signs a receipt; the patient keeps it.
                val opened = ReaderSession(listOf(doctor)).use { reader ->
                    assertTrue(reader.pushText(code).complete)
                    reader.result()!!
                }
                val receipt = receiptCode(opened, practitioner)
                assertTrue(receipt.startsWith("CK1:"))
                val kept = vault.keepReceipt(receipt, trust)
                assertTrue(kept.verified)
                assertEquals(doctor.fingerprint(), kept.hello)
                assertEquals(opened.expiresAt, kept.shareExpiresAt)
                assertTrue(kept.items.contains("1 medications"))
                assertEquals(listOf(kept), vault.receipts())
                // The same receipt checked with no anchors is kept, marked NOT verified.
                assertFalse(vault.keepReceipt(receipt, TrustStore()).verified)
                assertEquals(2, vault.receipts().size)
            }
        }
    }

    @Test
    fun signedPrescriptionIsStoredVerifiedAndCheckedAgain() {
        val trust = trustStore()
        val cardiologist = TestPki.practitioner()
        val codes = issueSignedRecord(newDose(), camille(), cardiologist)
        assertTrue(codes.all { it.startsWith("CR1:") || it.startsWith("CF1:") })
        assertEquals(1, cardiologist.signatures)
        val signed = scan(codes)

        val check = checkSignedRecord(signed, trust)
        assertTrue(check.verified)
        assertNull(check.problem)
        assertEquals(newDose(), check.body)
        assertEquals(TestPki.RPPS, check.practitioner!!.identity.rpps)

        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            val stored = vault.importSignedRecord(owner.id, signed, trust)
            assertEquals(newDose(), stored.body)
            val provenance = stored.provenance as Provenance.Practitioner
            assertTrue(provenance.verified)
            assertEquals("Karim Benali", provenance.name)
            assertEquals(TestPki.RPPS, provenance.rpps)
            assertEquals(TestPki.ROOT, provenance.trustAnchor)
            assertTrue("the signed bytes are kept", stored.attachments.isNotEmpty())
            // It is a current medication now.
            assertTrue(vault.summary(owner.id, "2026-12-01").currentMedications.any { it.medication.name == "Bisoprolol" })

            // Shared, it carries its proof: the doctor's device verifies it against its own
            // trust store, and with none can only say it is signed.
            DoctorSession(900UL).use { doctor ->
                val codes = vault.shareProfile(owner.id, ShareSelection(), doctor.helloText(), 600UL, trust, acceptUnverifiedDoctor = true).codes
                fun read(store: TrustStore?) = ReaderSession(listOf(doctor), store).use { reader ->
                    codes.forEach { reader.pushText(it) }
                    reader.result()!!
                }
                val mine = read(trust)
                assertEquals(Source.PRACTITIONER_VERIFIED, mine.pack.medications.single { it.name == "Bisoprolol" }.source)
                assertEquals(ProofOutcome.VERIFIED_HERE, mine.proofs.single().outcome)
                assertEquals(Source.PRACTITIONER_UNVERIFIED, read(null).pack.medications.single { it.name == "Bisoprolol" }.source)
            }

            // The patient's trust store loses the anchor: checked again, it is no longer verified.
            val again = vault.reverifyRecord(stored.id, TrustStore())
            assertFalse((again.provenance as Provenance.Practitioner).verified)
            assertTrue((vault.reverifyRecord(stored.id, trust).provenance as Provenance.Practitioner).verified)
            // A record the patient typed in has no signature to check.
            val typed = vault.addRecord(Fixtures.allergy(owner.id))
            expect<CarnetException.InvalidInput> { vault.reverifyRecord(typed.id, trust) }
        }
    }

    @Test
    fun everyTrustFailureIsTyped() {
        val trust = trustStore()
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())

            // Modified after signing: the dose changed in transit.
            val signed = scan(issueSignedRecord(newDose(), camille(), TestPki.practitioner()))
            val at = String(signed, Charsets.ISO_8859_1).indexOf("Bisoprolol")
            assertTrue(at > 0)
            val modified = signed.copyOf().also { it[at] = 'C'.code.toByte() }
            expect<CarnetException.SignatureInvalid> { checkSignedRecord(modified, trust) }
            expect<CarnetException.SignatureInvalid> { vault.importSignedRecord(owner.id, modified, trust, true) }

            // A practitioner from an authority this device does not trust: refused by default,
            // or kept marked NOT verified when the patient chooses to.
            val fromStranger = scan(issueSignedRecord(newDose(), camille(), TestPki.stranger()))
            expect<CarnetException.UnknownAuthority> { vault.importSignedRecord(owner.id, fromStranger, trust) }
            val kept = vault.importSignedRecord(owner.id, fromStranger, trust, acceptUnverified = true)
            assertFalse((kept.provenance as Provenance.Practitioner).verified)
            val checked = checkSignedRecord(fromStranger, trust)
            assertFalse(checked.verified)
            assertTrue(checked.signer.startsWith("NOT verified: "))
            assertNotNull(checked.problem)

            // Signed with a certificate that had expired.
            val late = scan(issueSignedRecord(newDose(), camille(), TestPki.expired()))
            expect<CarnetException.CertificateExpired> { vault.importSignedRecord(owner.id, late, trust) }
            DoctorSession.signed(600UL, TestPki.expired()).use { doctor ->
                assertTrue(parseHello(doctor.helloText(), trust).recipient.contains("expired"))
            }

            // DER signatures (Android Keystore, SecKey) are accepted as well as r || s...
            assertTrue(checkSignedRecord(scan(issueSignedRecord(newDose(), camille(), DerSigner())), trust).verified)
            // ...but platform signers that misbehave fail on the doctor's side, not the patient's.
            expect<CarnetException.SignerFailed> { issueSignedRecord(newDose(), camille(), WrongKeySigner()) }
            expect<CarnetException.SignerFailed> { DoctorSession.signed(600UL, WrongKeySigner()) }
            // A prescription with no medication is refused before anything is signed.
            val empty = RecordBody.Prescription((newDose() as RecordBody.Prescription).v1.copy(medications = emptyList()))
            expect<CarnetException.InvalidInput> { issueSignedRecord(empty, camille(), TestPki.practitioner()) }
            expect<CarnetException.SignerFailed> { DoctorSession.signed(600UL, UnpluggedSigner()) }

            // A practitioner's certificate is not an authority.
            expect<CarnetException.CertificateRejected> { TrustStore().addCertificates(TestPki.bytes("practitioner.pem")) }
            expect<CarnetException.CertificateRejected> { TrustStore().addCertificates("not a certificate".toByteArray()) }
            // A file refused at its last certificate adds none of the others.
            TrustStore().use { store ->
                expect<CarnetException.CertificateRejected> {
                    store.addCertificates(TestPki.bytes("authorities.pem") + TestPki.bytes("practitioner.pem"))
                }
                assertEquals(emptyList<String>(), store.anchors())
            }

            // Scanning the wrong thing.
            SignedRecordScanner().use { scanner ->
                expect<CarnetException.NotACarnetCode> { scanner.pushText("https://example.org") }
                // (A profile with nothing signed: its share is one code.)
                val child = vault.addProfile(Fixtures.child())
                val share = vault.shareProfile(child.id, ShareSelection(), null, 600UL).codes.single()
                expect<CarnetException.MalformedCode> { scanner.pushText(share) }
                assertFalse(scanner.progress().complete)
            }
            expect<CarnetException.MalformedCode> { vault.keepReceipt("CK1:???", trust) }
            // Nothing above was stored but the record the patient chose to keep.
            assertEquals(1, vault.records(owner.id).size)
        }
    }
}
