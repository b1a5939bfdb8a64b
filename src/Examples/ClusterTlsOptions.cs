using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// Mutual TLS for the examples' Orleans cluster (Microsoft.Orleans.Connections.Security): every worker and coordinator
/// holds the same cluster certificate (a PKCS#12 file with its private key, e.g. self-signed for the cluster) and accepts
/// a connection only from a side presenting that very certificate (same thumbprint), so no certificate authority is
/// needed and a process without the file cannot join or connect. The certificate is read while the command line is
/// parsed, so a missing file, a wrong password or a file without a private key is refused naming the option.
/// </summary>
internal sealed class ClusterTlsOptions
{
    private readonly Option<string?> _certificate;
    private readonly Option<string?> _password;

    /// <param name="command">The command that gets the two options.</param>
    /// <param name="prefix">Their names' start: "--tls" gives --tls-certificate and --tls-password.</param>
    /// <param name="role">Who holds the certificate, for the help text ("this worker", "the coordinator").</param>
    public ClusterTlsOptions(System.CommandLine.Command command, string prefix, string role)
    {
        _certificate = new Option<string?>($"{prefix}-certificate")
        {
            Description = $"Encrypt cluster traffic with mutual TLS: {role} presents this PKCS#12 (.pfx) certificate, with its private key, " +
                "and accepts only peers presenting the same one (every worker and the coordinator use the same file).",
            HelpName = "FILE",
        };
        _password = new Option<string?>($"{prefix}-password")
        {
            Description = $"Password of the {prefix}-certificate file (default: none).",
            HelpName = "PASSWORD",
        };
        command.Options.Add(_certificate);
        command.Options.Add(_password);
        command.Validators.Add(result =>
        {
            string? file = result.GetValue(_certificate), password = result.GetValue(_password);
            if (file is null)
            {
                if (password is not null) result.AddError($"{_password.Name} needs {_certificate.Name}.");
                return;
            }
            try
            {
                using X509Certificate2 _ = Load(file, password);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
            {
                result.AddError($"{_certificate.Name}: {e.Message}");
            }
        });
    }

    /// <summary>The cluster certificate the command line names, or null when TLS is off.</summary>
    public X509Certificate2? Certificate(ParseResult parse) =>
        parse.GetValue(_certificate) is { } file ? Load(file, parse.GetValue(_password)) : null;

    /// <summary>Mutual TLS with <paramref name="certificate"/> on both sides of every connection.</summary>
    public static void Configure(TlsOptions options, X509Certificate2 certificate)
    {
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Self-signed: there is no chain to trust, so the peer is accepted by presenting this very certificate.
        options.RemoteCertificateValidation = (remote, _, _) => remote?.Thumbprint == certificate.Thumbprint;
        options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }

    private X509Certificate2 Load(string file, string? password)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"the certificate file '{file}' does not exist.");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password);
        }
        catch (CryptographicException e)
        {
            throw new CryptographicException(
                $"cannot read '{file}' as a PKCS#12 certificate with {(password is null ? $"no {_password.Name}" : $"the given {_password.Name}")} " +
                $"(a wrong password, or not a .pfx file): {e.Message}", e);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidDataException($"'{file}' holds a certificate without its private key; TLS needs both.");
        }
        return certificate;
    }
}
