package app.carnet.core.android

import android.security.keystore.UserNotAuthenticatedException
import app.carnet.core.CarnetException
import app.carnet.core.Signer
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.PrivateKey
import java.security.Signature

/**
 * Carnet's [Signer] on Android, for a doctor's app: the practitioner's ECDSA P-256 key lives
 * in the Android Keystore (generated there, non-exportable, in StrongBox when the device has
 * it), and the certificate the health PKI issued for it is stored on the same alias.
 *
 * Setting it up, once:
 * 1. generate the key: `KeyPairGenerator.getInstance(KEY_ALGORITHM_EC, "AndroidKeyStore")`
 *    with `KeyGenParameterSpec.Builder(alias, PURPOSE_SIGN)
 *    .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1")).setDigests(DIGEST_SHA256)`
 *    (and `setUserAuthenticationRequired(true)` to sign only after BiometricPrompt);
 * 2. have the authority certify its public key;
 * 3. store the issued chain, practitioner first: `keyStore.setKeyEntry(alias, key, null, chain)`.
 *
 * A CPS card or an e-CPS key is held by its own reader or app: wrap it in another [Signer].
 *
 * The Keystore returns DER-encoded signatures; Carnet accepts DER as well as r || s, and checks
 * every signature against the certificate before it uses it. Like every Signer, it must not
 * call back into Carnet.
 */
class AndroidKeystoreSigner(
    private val alias: String = "app.carnet.practitioner-key",
) : Signer {
    private fun keyStore(): KeyStore = try {
        KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
    } catch (e: GeneralSecurityException) {
        throw CarnetException.SignerFailed("the Android Keystore is not available")
    } catch (e: java.io.IOException) {
        throw CarnetException.SignerFailed("the Android Keystore is not available")
    }

    override fun certificateChain(): List<ByteArray> {
        val chain = try {
            keyStore().getCertificateChain(alias)
        } catch (e: GeneralSecurityException) {
            null
        }
        if (chain.isNullOrEmpty()) {
            throw CarnetException.SignerFailed("no practitioner certificate is stored with this key")
        }
        return chain.map { it.encoded }
    }

    override fun sign(message: ByteArray): ByteArray {
        val key = try {
            keyStore().getKey(alias, null) as? PrivateKey
        } catch (e: GeneralSecurityException) {
            null
        } ?: throw CarnetException.SignerFailed("no practitioner key in the Android Keystore")
        return try {
            Signature.getInstance("SHA256withECDSA").run {
                initSign(key)
                update(message)
                sign()
            }
        } catch (e: UserNotAuthenticatedException) {
            // The app shows BiometricPrompt, then signs again.
            throw CarnetException.SignerFailed("the practitioner must authenticate first")
        } catch (e: GeneralSecurityException) {
            throw CarnetException.SignerFailed("the Android Keystore refused to sign (${e.javaClass.simpleName})")
        }
    }
}
