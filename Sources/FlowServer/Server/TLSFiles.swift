import NIOSSL

/// `--tls-cert`, `--tls-key` and `--client-ca`: HTTPS for `flowq serve`, and optionally mutual TLS.
///
/// With a client CA every connection must present a certificate that CA signed (Goldmane's emitter has
/// `CLIENT_CERT_PATH`/`CLIENT_KEY_PATH` for this); such a verified client may use the ingest endpoints without a
/// bearer token. Reads still need a token with the `read` scope when `--token-file` is given.
public struct TLSFiles: Sendable {
    public var certificateChain: String
    public var privateKey: String
    public var clientCA: String?

    public init(certificateChain: String, privateKey: String, clientCA: String?) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCA = clientCA
    }

    /// The server's TLS configuration, or a `serve.bad_tls` error naming the file.
    func configuration() throws(ServerError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChain)
        } catch {
            throw ServerError(.badTLS, "--tls-cert \(certificateChain): not a PEM certificate chain (\(error))")
        }
        do {
            key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
        } catch {
            throw ServerError(.badTLS, "--tls-key \(privateKey): not a PEM private key (\(error))")
        }
        var config = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        config.minimumTLSVersion = .tlsv12
        if let clientCA {
            do {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
            } catch {
                throw ServerError(.badTLS, "--client-ca \(clientCA): not a PEM certificate (\(error))")
            }
            config.certificateVerification = .noHostnameVerification
        }
        return config
    }
}
