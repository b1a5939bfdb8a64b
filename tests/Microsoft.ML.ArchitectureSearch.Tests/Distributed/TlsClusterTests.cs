using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.ArchitectureSearch.Execution;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Hosting;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// Cluster traffic under mutual TLS (Microsoft.Orleans.Connections.Security) with a self-signed certificate made by the
/// test: silos and the coordinator that hold it train a search; a client without it never gets through the gateway.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class TlsClusterTests(ITestOutputHelper output)
{
    private const string CertificateKey = "ArchitectureSearchTests:Certificate";

    /// <summary>A self-signed certificate with its private key, as PKCS#12 bytes (protected by <paramref name="password"/> when given).</summary>
    internal static byte[] NewCertificate(string? password = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=architecture-search-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2") }, critical: false)); // server and client auth
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return certificate.Export(X509ContentType.Pkcs12, password);
    }

    /// <summary>Mutual TLS: the remote side must present this very certificate (self-signed, so no chain to trust).</summary>
    private static void Configure(TlsOptions options, X509Certificate2 certificate)
    {
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, _, _) => remote.Thumbprint == certificate.Thumbprint;
        options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = "architecture-search-test";
    }

    private static X509Certificate2 Certificate(IConfiguration configuration) =>
        X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(configuration[CertificateKey]!), null);

    private sealed class TlsWorkerSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            X509Certificate2 certificate = Certificate(siloBuilder.Configuration);
            siloBuilder.UseTls(certificate, o => TlsClusterTests.Configure(o, certificate));
            siloBuilder.AddArchitectureSearchWorker(o =>
            {
                o.ThreadsPerChild = null;
                o.CacheDirectory = Path.Combine(siloBuilder.Configuration[OrleansTestCluster.CacheRootKey]!, Guid.NewGuid().ToString("N"));
            });
        }
    }

    private sealed class TlsClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            if (string.IsNullOrEmpty(configuration[CertificateKey])) return; // the client the test refuses
            X509Certificate2 certificate = Certificate(configuration);
            clientBuilder.UseTls(certificate, o => TlsClusterTests.Configure(o, certificate));
        }
    }

    /// <summary>A client configured as the cluster's own (which holds the certificate) but without the certificate.</summary>
    private static async Task ConnectWithoutCertificateAsync(TestCluster cluster)
    {
        var sources = new ConfigurationBuilder();
        foreach (IConfigurationSource source in cluster.ConfigurationSources)
            sources.Add(source);
        IConfiguration configuration = sources.AddInMemoryCollection(new Dictionary<string, string?> { [CertificateKey] = "" }).Build();
        using IHost client = TestClusterHostFactory.CreateClusterClient("client-without-certificate", configuration);
        await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task WithTlsTheCertificateHoldersTrainASearchAndAClientWithoutTheCertificateNeverConnects()
    {
        byte[] pkcs12 = NewCertificate();
        string cacheRoot = Directory.CreateTempSubdirectory("archsearch-orleans-tls-").FullName;
        var builder = new TestClusterBuilder(2);
        builder.Properties[CertificateKey] = Convert.ToBase64String(pkcs12);
        builder.Properties[OrleansTestCluster.CacheRootKey] = cacheRoot;
        builder.AddSiloBuilderConfigurator<TlsWorkerSilo>();
        builder.AddClientBuilderConfigurator<TlsClient>();
        await using TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            ArchitectureSearchOptions options = TwoSiloSearchTests.Options().UseOrleansCluster(cluster.Client);
            options.MaxTrials = 2;
            options.Parallelism = 2;
            ArchitectureSearchTransformer model = TwoSiloSearchTests.Fit(options);
            Assert.Equal(2, model.Trials.Count(t => t.Kind == TrialKind.Trained && t.Worker != null));

            // The cluster's client (with the certificate) trained the search. The same client without it fails every TLS
            // handshake at the gateway; Orleans keeps retrying, so it is seen not to connect within the wait.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAsync<TimeoutException>(() => ConnectWithoutCertificateAsync(cluster));
            output.WriteLine($"the client without the certificate had not connected after {clock.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            Directory.Delete(cacheRoot, recursive: true);
        }
    }
}
