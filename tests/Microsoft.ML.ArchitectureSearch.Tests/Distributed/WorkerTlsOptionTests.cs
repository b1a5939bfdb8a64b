using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// The Examples' TLS options (worker --tls-certificate/--tls-password, cifar10 --orleans-tls-certificate/
/// --orleans-tls-password): a certificate that cannot be used is refused before anything starts, naming the option; with
/// the right file and password a worker and a coordinator train a search under mutual TLS, and a coordinator without
/// the certificate does not get in.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class WorkerTlsOptionTests(ITestOutputHelper output) : IDisposable
{
    private const string Password = "cluster-secret";
    private readonly string _root = Directory.CreateTempSubdirectory("archsearch-orleans-tls-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string CertificateFile()
    {
        string file = Path.Combine(_root, "cluster.pfx");
        File.WriteAllBytes(file, TlsClusterTests.NewCertificate(Password));
        return file;
    }

    [Fact]
    public void AWorkerGivenAMissingCertificateFileRefusesItNamingTheOption()
    {
        string missing = Path.Combine(_root, "missing.pfx");
        (int exitCode, string text) = ExamplesProcess.RunToExit(TimeSpan.FromSeconds(60), "--tls-certificate", missing, "--cache-dir", _root);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"--tls-certificate: the certificate file '{missing}' does not exist.", text);
        Assert.DoesNotContain("worker ready", text);
    }

    [Fact]
    public void AWorkerGivenTheWrongPasswordRefusesTheCertificateNamingBothOptions()
    {
        (int exitCode, string text) = ExamplesProcess.RunToExit(TimeSpan.FromSeconds(60),
            "--tls-certificate", CertificateFile(), "--tls-password", "not-the-password", "--cache-dir", _root);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--tls-certificate: cannot read", text);
        Assert.Contains("with the given --tls-password (a wrong password, or not a .pfx file)", text);
        Assert.DoesNotContain("worker ready", text);
    }

    [Fact]
    public async Task ASearchGivenTheWrongPasswordRefusesTheCertificateBeforeConnecting()
    {
        using ExamplesProcess search = ExamplesProcess.StartCommand("search", "cifar10", "--orleans", "1",
            "--orleans-tls-certificate", CertificateFile(), "--orleans-tls-password", "not-the-password", "--out", Path.Combine(_root, "out"));

        Assert.NotEqual(0, await search.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--orleans-tls-certificate: cannot read", search.Output);
        Assert.Contains("--orleans-tls-password", search.Output);
        Assert.DoesNotContain("connected to", search.Output);
    }

    [Fact]
    public async Task WithTheCertificateAWorkerAndACoordinatorTrainASearchAndACoordinatorWithoutItDoesNotConnect()
    {
        string certificate = CertificateFile();
        using ExamplesProcess worker = ExamplesProcess.Start("tls worker", null, Path.Combine(_root, "cache"), out _,
            "--tls-certificate", certificate, "--tls-password", Password);
        await worker.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(90));
        Assert.Contains("mutual TLS with certificate", worker.Output);

        using (ExamplesProcess search = Coordinator("tls coordinator", worker.GatewayPort, "--orleans-tls-certificate", certificate, "--orleans-tls-password", Password))
        {
            int exitCode = await search.WaitForExitAsync(TimeSpan.FromSeconds(180));
            output.WriteLine(search.Output);
            Assert.Equal(0, exitCode);
            Assert.Contains("mutual TLS with certificate", search.Output);
        }
        Assert.Single(worker.Lines("trained child"));

        // Without the certificate every TLS handshake at the gateway fails; the Orleans client keeps retrying.
        using ExamplesProcess plain = Coordinator("coordinator without the certificate", worker.GatewayPort);
        await Task.Delay(TimeSpan.FromSeconds(15));
        output.WriteLine(plain.Output);
        Assert.DoesNotContain("connected to the Orleans cluster", plain.Output);
        Assert.Single(worker.Lines("training child"));
    }

    private ExamplesProcess Coordinator(string name, int gatewayPort, params string[] tls) => ExamplesProcess.StartCommand(name, new[]
    {
        "cifar10", "--data-dir", Path.Combine(PipelineTestData.TestDataDirectory, "cifar10"), "--train-size", "200", "--test-size", "50",
        "--layers", "2", "--strategy", "random", "--trials", "1", "--trial-epochs", "1", "--final-epochs", "1", "--no-references",
        "--seed", "3", "--parallelism", "1", "--orleans", gatewayPort.ToString(),
        "--out", Path.Combine(_root, "out-" + name.Replace(' ', '-')), "--images", Path.Combine(_root, "no-images"),
    }.Concat(tls).ToArray());
}
