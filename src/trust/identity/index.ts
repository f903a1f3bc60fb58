/**
 * sQuid identities: Ed25519 keys named `did:key:z6Mk…` (and, for libp2p, `12D3KooW…`),
 * signatures, passphrase-encrypted key files and keystores.
 */
export * from './did-key.js'
export * from './ed25519.js'
export * from './identity.js'
export * from './kdf.js'
export * from './key-file.js'
export * from './keystore.js'
export * from './file-keystore.js'
export * from './verifier.js'
export * from './keyring-key.js'
export * from './self-signed.js'
