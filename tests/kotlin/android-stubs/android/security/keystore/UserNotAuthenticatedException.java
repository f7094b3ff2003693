package android.security.keystore;

public class UserNotAuthenticatedException extends java.security.InvalidKeyException {}
