#ifndef TGFLOW_COPENSSL_SHIM_H
#define TGFLOW_COPENSSL_SHIM_H
/* MTCrypto uses a few OpenSSL 1.x-style calls (RSA key parsing); keep them quiet. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/aes.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#endif
