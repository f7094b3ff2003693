package app.carnet.core.test

import app.carnet.core.CarnetException
import app.carnet.core.Signer
import java.io.File
import java.security.KeyFactory
import java.security.PrivateKey
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.spec.PKCS8EncodedKeySpec

/**
 * The test PKI that scripts/ffi-tests.sh writes with `test_pki` (tests/src/bin/test_pki.rs):
 * an IGC-Santé-shaped root and intermediate, Dr Karim Benali's current and expired
 * certificates, and a practitioner from a root nobody trusts. Test keys only.
 */
object TestPki {
    val dir: File = File(
        System.getProperty("carnet.test.pki")
            ?: error("run with -Dcarnet.test.pki=DIR (scripts/ffi-tests.sh writes it)"),
    )

    fun bytes(name: String): ByteArray = File(dir, name).readBytes()

    const val ROOT = "AC RACINE IGC-SANTE TEST"
    const val RPPS = "10101234564"

    fun practitioner() = JcaSigner("practitioner.pem", "practitioner.key.der")
    fun expired() = JcaSigner("expired.pem", "expired.key.der")
    fun stranger() = JcaSigner("stranger.pem", "stranger.key.der")
}

/**
 * A [Signer] as a doctor's app would write one over a platform key: the JDK's ECDSA P-256 with
 * SHA-256 in the 64-byte r || s form (`SHA256withECDSAinP1363Format`). On Android the key would
 * live in the Keystore; here it is read from the test PKI's PKCS#8 file.
 */
open class JcaSigner(certificate: String, key: String) : Signer {
    private val chain: List<ByteArray> = TestPki.bytes(certificate).inputStream().use {
        listOf(CertificateFactory.getInstance("X.509").generateCertificate(it).encoded)
    }
    private val privateKey: PrivateKey =
        KeyFactory.getInstance("EC").generatePrivate(PKCS8EncodedKeySpec(TestPki.bytes(key)))

    @Volatile
    var signatures = 0
        private set

    protected open val algorithm = "SHA256withECDSAinP1363Format"

    override fun certificateChain(): List<ByteArray> = chain

    override fun sign(message: ByteArray): ByteArray {
        signatures++
        return Signature.getInstance(algorithm).run {
            initSign(privateKey)
            update(message)
            sign()
        }
    }
}

/** The JDK's default ECDSA output, DER, as the Android Keystore and Apple's SecKey give it. */
class DerSigner : JcaSigner("practitioner.pem", "practitioner.key.der") {
    override val algorithm = "SHA256withECDSA"
}

/** A platform signer wired to the wrong key: its signatures do not match its certificate. */
class WrongKeySigner : JcaSigner("practitioner.pem", "stranger.key.der")

/** A signer whose smart card was pulled out. */
class UnpluggedSigner : JcaSigner("practitioner.pem", "practitioner.key.der") {
    override fun sign(message: ByteArray): ByteArray =
        throw CarnetException.SignerFailed("the CPS card was removed")
}
