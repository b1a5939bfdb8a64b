using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// An Orleans worker silo that trains architecture-search children for coordinators (e.g. <c>cifar10 --orleans</c>).
/// Loopback only unless --address names another address of this machine. Membership: localhost clustering (the first
/// worker, without --primary-port, holds the table) or, with --postgres, a PostgreSQL table shared by several machines.
/// </summary>
internal sealed class WorkerCommand : System.CommandLine.Command
{
    private readonly Option<int> _siloPort = CommonOptions.Count("--silo-port", "Port for silo-to-silo traffic.", OrleansCluster.DefaultSiloPort);
    private readonly Option<int> _gatewayPort = CommonOptions.Count("--gateway-port", "Port coordinators connect to.", OrleansCluster.DefaultGatewayPort);
    private readonly Option<int?> _primaryPort = CommonOptions.OptionalCount("--primary-port",
        "Without --postgres: silo port of the first worker (same address), which this one joins (default: this worker is the first).");
    private readonly Option<IPAddress> _address = OrleansCluster.AddressOption();
    private readonly Option<string?> _postgres = OrleansCluster.PostgresOption("--postgres",
        "Keep the cluster's membership in this PostgreSQL database (Npgsql connection string; schema: scripts/orleans-postgresql/membership.sql) instead of on the first worker.");
    private readonly Option<string> _clusterId = OrleansCluster.ClusterIdOption();
    private readonly Option<int> _children = CommonOptions.Count("--children", "Children this worker trains at the same time.", 1);
    private readonly Option<int> _threads = CommonOptions.Count("--threads-per-child", "libtorch threads per child (keep equal on every worker for reproducible results).", 1);
    private readonly Option<string?> _name = new("--name") { Description = "Worker name in progress and reports (default: the silo's name).", HelpName = "NAME" };
    private readonly Option<string?> _cache = new("--cache-dir") { Description = "Where received data are cached (default: under the temp folder).", HelpName = "DIR" };
    private readonly ClusterTlsOptions _tls;
    private readonly Option<int?> _probeSeconds = CommonOptions.OptionalCount("--probe-seconds",
        "Membership probe period; a silo missing two probes is declared dead (default: Orleans' 5 s and 3 probes).");

    public WorkerCommand()
        : base("worker", "Run an Orleans worker silo on this machine that trains the children coordinators send it (Ctrl+C stops it).")
    {
        foreach (Option option in new Option[] { _siloPort, _gatewayPort, _primaryPort, _address, _postgres, _clusterId, _children, _threads, _name, _cache, _probeSeconds })
            Options.Add(option);
        _tls = new ClusterTlsOptions(this, "--tls", "this worker");
        Validators.Add(result =>
        {
            if (result.GetValue(_postgres) != null && result.GetValue(_primaryPort) != null)
                result.AddError("--primary-port joins a worker's own membership table; with --postgres the table is in PostgreSQL: give one or the other.");
        });
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        int siloPort = parse.GetValue(_siloPort), gatewayPort = parse.GetValue(_gatewayPort);
        int primaryPort = parse.GetValue(_primaryPort) ?? siloPort;
        IPAddress address = parse.GetValue(_address)!;
        string? postgres = parse.GetValue(_postgres);
        string clusterId = parse.GetValue(_clusterId)!;
        using X509Certificate2? certificate = _tls.Certificate(parse);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        OrleansCluster.QuietLogging(builder.Logging);
        builder.UseOrleans(silo =>
        {
            OrleansCluster.Join(silo, address, siloPort, gatewayPort, primaryPort, postgres, clusterId, certificate);
            if (parse.GetValue(_probeSeconds) is { } seconds)
                silo.Configure<ClusterMembershipOptions>(o => OrleansCluster.ProbeEvery(o, seconds));
            silo.AddArchitectureSearchWorker(o =>
            {
                o.ConcurrentChildren = parse.GetValue(_children);
                o.ThreadsPerChild = parse.GetValue(_threads);
                o.Name = parse.GetValue(_name);
                o.CacheDirectory = parse.GetValue(_cache);
            });
        });
        using IHost host = builder.Build();
        host.Start();
        string membership = postgres is null ? $"primary silo port {primaryPort}" : "membership in PostgreSQL";
        Console.WriteLine($"worker ready: cluster '{clusterId}', address {address}{(IPAddress.IsLoopback(address) ? " (loopback)" : "")}, " +
            $"silo port {siloPort}, gateway port {gatewayPort}, {membership}{OrleansCluster.Tls(certificate)}");
        host.WaitForShutdown();
        return 0;
    }
}
