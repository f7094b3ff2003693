package android.security.keystore;

public final class KeyGenParameterSpec implements java.security.spec.AlgorithmParameterSpec {
    public static final class Builder {
        public Builder(String keystoreAlias, int purposes) {}
        public Builder setBlockModes(String... blockModes) { return this; }
        public Builder setEncryptionPaddings(String... paddings) { return this; }
        public Builder setKeySize(int keySize) { return this; }
        public Builder setRandomizedEncryptionRequired(boolean required) { return this; }
        public Builder setIsStrongBoxBacked(boolean isStrongBoxBacked) { return this; }
        public Builder setUserAuthenticationRequired(boolean required) { return this; }
        public Builder setInvalidatedByBiometricEnrollment(boolean invalidate) { return this; }
        public Builder setUserAuthenticationParameters(int timeout, int type) { return this; }
        @Deprecated
        public Builder setUserAuthenticationValidityDurationSeconds(int seconds) { return this; }
        public KeyGenParameterSpec build() { return new KeyGenParameterSpec(); }
    }
}
