using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// Where a worker process (src/Examples 'worker') listens: loopback unless --address names another address of this
/// machine; an address that is not one is refused with an error naming the option. Read from the machine's TCP
/// listeners, not from the worker's own words.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class WorkerAddressTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("archsearch-orleans-address-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AWorkerGivenNoAddressListensOnLoopbackOnly()
    {
        int silo = ExamplesProcess.FreePort(), gateway = ExamplesProcess.FreePort();
        using ExamplesProcess worker = ExamplesProcess.Start("default", _root, silo, gateway, "--primary-port", silo.ToString());
        await worker.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(90));

        Assert.Equal(new[] { IPAddress.Loopback }, ListenersOn(silo));
        Assert.Equal(new[] { IPAddress.Loopback }, ListenersOn(gateway));
    }

    [NonLoopbackAddressFact]
    public async Task AWorkerGivenAnAddressOfThisMachineListensThereOnly()
    {
        IPAddress address = NonLoopbackAddressFactAttribute.Address!;
        int silo = ExamplesProcess.FreePort(), gateway = ExamplesProcess.FreePort();
        using ExamplesProcess worker = ExamplesProcess.Start("exposed", _root, silo, gateway, "--primary-port", silo.ToString(), "--address", address.ToString());
        await worker.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(90));

        Assert.Equal(new[] { address }, ListenersOn(silo));
        Assert.Equal(new[] { address }, ListenersOn(gateway));
        Assert.Contains($"address {address},", worker.Output);
    }

    [Theory]
    [InlineData("not-an-ip", "--address: 'not-an-ip' is not an IP address.")]
    [InlineData("203.0.113.7", "--address: 203.0.113.7 is not an address of this machine")] // TEST-NET-3: nobody's
    [InlineData("0.0.0.0", "--address: 0.0.0.0 is not an address of this machine")]
    public void AWorkerRefusesAnAddressThatIsNotOneOfThisMachinesNamingTheOption(string address, string error)
    {
        (int exitCode, string output) = ExamplesProcess.RunToExit(TimeSpan.FromSeconds(60), "--address", address, "--cache-dir", _root);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(error, output);
        Assert.DoesNotContain("worker ready", output);
    }

    /// <summary>The addresses TCP listeners on <paramref name="port"/> are bound to.</summary>
    private static IPAddress[] ListenersOn(int port) =>
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(e => e.Port == port).Select(e => e.Address).Distinct().ToArray();
}

/// <summary>A test that needs an IPv4 address of this machine other than loopback; skipped, saying so, on a machine without one.</summary>
public sealed class NonLoopbackAddressFactAttribute : FactAttribute
{
    public static readonly IPAddress? Address = NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    public NonLoopbackAddressFactAttribute()
    {
        if (Address is null) Skip = "This machine has no IPv4 address other than loopback to bind a worker to.";
    }
}
