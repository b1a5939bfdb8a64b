using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.ArchitectureSearch.Execution;
using Npgsql;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// Two worker processes (src/Examples 'worker --postgres') whose Orleans membership is a PostgreSQL table, and a
/// coordinator that finds them through the same table (ADO.NET clustering with Npgsql), as on several machines.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class PostgresMembershipTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("archsearch-orleans-postgres-").FullName;

    // A cluster of its own in the shared table: rows of earlier runs (or other tests) are not this cluster's silos.
    private readonly string _clusterId = "archsearch-test-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        if (TestPostgres.WhyUnavailable() != null) return;
        using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        connection.Open();
        foreach (string table in new[] { "OrleansMembershipTable", "OrleansMembershipVersionTable" })
        {
            using var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE DeploymentId = @id", connection);
            delete.Parameters.AddWithValue("id", _clusterId);
            delete.ExecuteNonQuery();
        }
    }

    [PostgresFact]
    public async Task TwoWorkersInAPostgresMembershipTableTrainTheSearchAndItEqualsTheLocalOne()
    {
        ArchitectureSearchTransformer local = OrleansTestCluster.WithOneThread(() => TwoSiloSearchTests.Fit(TwoSiloSearchTests.Options()));

        string[] membership = { "--postgres", TestPostgres.ConnectionString, "--cluster", _clusterId };
        using ExamplesProcess a = ExamplesProcess.Start("pg-a", Path.Combine(_root, "a"), ExamplesProcess.FreePort(), ExamplesProcess.FreePort(), membership);
        using ExamplesProcess b = ExamplesProcess.Start("pg-b", Path.Combine(_root, "b"), ExamplesProcess.FreePort(), ExamplesProcess.FreePort(), membership);
        await a.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(90));
        await b.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(90));
        Assert.Contains("membership in PostgreSQL", a.Output);
        // Both silos registered themselves, active (Orleans' SiloStatus.Active is 3), in this cluster's rows.
        Assert.Equal(2, ActiveSilos());

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", TestPostgres.ConnectionString));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (_clusterId, "architecture-search"));
        });
        using IHost coordinator = builder.Build();
        await coordinator.StartAsync();

        ArchitectureSearchOptions options = TwoSiloSearchTests.Options().UseOrleansCluster(coordinator.Services.GetRequiredService<IClusterClient>(),
            new OrleansTrialOptions { MembershipRefreshInterval = TimeSpan.FromMilliseconds(250) });
        options.Parallelism = 2;
        Task<ArchitectureSearchTransformer> search = Task.Run(() => TwoSiloSearchTests.Fit(options));
        // Seconds on a quiet machine; the bound is for one shared with other test runs.
        if (await Task.WhenAny(search, Task.Delay(TimeSpan.FromSeconds(180))) != search)
            Assert.Fail($"The search did not finish within 180 s.\nWorker a:\n{a.Output}\nWorker b:\n{b.Output}");
        ArchitectureSearchTransformer distributed = await search;

        Assert.Equal(TwoSiloSearchTests.Exactly(local.Trials), TwoSiloSearchTests.Exactly(distributed.Trials));
        Assert.Equal(local.Architecture.Hash, distributed.Architecture.Hash);
        Assert.All(distributed.Trials.Where(t => t.Kind == TrialKind.Trained), t => Assert.Contains(t.Worker, new[] { "pg-a", "pg-b" }));
        output.WriteLine(string.Join("\n", distributed.Trials.Select(t => $"trial {t.Index}: {t.Worker}")));
        await coordinator.StopAsync();
    }

    private long ActiveSilos()
    {
        using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        connection.Open();
        using var count = new NpgsqlCommand("SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @id AND Status = 3", connection);
        count.Parameters.AddWithValue("id", _clusterId);
        return (long)count.ExecuteScalar()!;
    }
}
