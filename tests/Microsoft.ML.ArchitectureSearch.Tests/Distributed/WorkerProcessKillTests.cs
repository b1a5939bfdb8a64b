using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.ArchitectureSearch.Execution;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// Two worker processes on loopback (src/Examples 'worker'); the second is SIGKILLed while it trains its first child.
/// Orleans membership declares it dead, its child is trained again by the other worker, and the search's result is the
/// local search's, exactly.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class WorkerProcessKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("archsearch-orleans-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AWorkerKilledMidChildHasItsChildRetrainedElsewhereAndTheSearchEqualsTheLocalOne()
    {
        var clock = Stopwatch.StartNew();
        ArchitectureSearchTransformer local = OrleansTestCluster.WithOneThread(() => TwoSiloSearchTests.Fit(SearchOptions()));

        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: local search done");
        // Both start at once: the second joins the first (the primary) as soon as it is up.
        using ExamplesProcess first = ExamplesProcess.Start("first", null, Path.Combine(_root, "first"), out int primaryPort);
        using ExamplesProcess second = ExamplesProcess.Start("second", primaryPort, Path.Combine(_root, "second"), out _);
        await first.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(60));
        await second.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(60));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: workers ready");

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseLocalhostClustering(new[] { first.GatewayPort, second.GatewayPort }, "architecture-search", "architecture-search"));
        using IHost coordinator = builder.Build();
        await coordinator.StartAsync();

        ArchitectureSearchOptions options = SearchOptions().UseOrleansCluster(coordinator.Services.GetRequiredService<IClusterClient>(),
            new OrleansTrialOptions { MembershipRefreshInterval = TimeSpan.FromMilliseconds(250) });
        options.Parallelism = 2;
        Task<ArchitectureSearchTransformer> search = Task.Run(() => TwoSiloSearchTests.Fit(options));
        await second.WaitForLineAsync("training child", TimeSpan.FromSeconds(60));
        second.Kill();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: second worker killed");
        // About 5 s on a quiet machine; the bound is for a machine shared with other test runs.
        if (await Task.WhenAny(search, Task.Delay(TimeSpan.FromSeconds(150))) != search)
            Assert.Fail($"The search did not finish within 150 s of the kill. First worker:\n{first.Output}");
        ArchitectureSearchTransformer distributed = await search;

        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: distributed search done");
        Assert.Equal(TwoSiloSearchTests.Exactly(local.Trials), TwoSiloSearchTests.Exactly(distributed.Trials));
        Assert.Equal(local.Architecture.Hash, distributed.Architecture.Hash);
        // The killed worker finished nothing: every child, its interrupted one included, was trained by the first.
        Assert.All(distributed.Trials.Where(t => t.Kind == TrialKind.Trained), t => Assert.Equal("first", t.Worker));
        Assert.Contains("trained child", first.Output);
        await coordinator.StopAsync();
    }

    private static ArchitectureSearchOptions SearchOptions()
    {
        ArchitectureSearchOptions options = TwoSiloSearchTests.Options();
        options.MaxTrials = 3;
        return options;
    }
}
