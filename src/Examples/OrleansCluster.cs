using System.CommandLine;
using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// The examples' Orleans cluster, shared by workers (<see cref="WorkerCommand"/>) and coordinators (cifar10 --orleans):
/// on one machine, localhost clustering with the first worker's silo port as the primary that holds the membership
/// table; on several, membership in a PostgreSQL table (Orleans' ADO.NET clustering with Npgsql; the schema is
/// scripts/orleans-postgresql/membership.sql). Traffic stays on loopback unless a worker is given another address.
/// </summary>
internal static class OrleansCluster
{
    public const string DefaultClusterId = "architecture-search";
    public const string ServiceId = "architecture-search";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    /// <summary>The ADO.NET provider name Orleans loads for PostgreSQL.</summary>
    private const string NpgsqlInvariant = "Npgsql";

    /// <summary>PostgreSQL membership: the Npgsql connection string of the database holding the cluster's membership table.</summary>
    public static Option<string?> PostgresOption(string name, string description) => new(name) { Description = description, HelpName = "CONNECTION" };

    /// <summary>Which cluster to join: workers and coordinators of one search use the same id (one membership table holds many).</summary>
    public static Option<string> ClusterIdOption() => new("--cluster")
    {
        Description = "Orleans cluster id; workers and their coordinator use the same one.", HelpName = "ID", DefaultValueFactory = _ => DefaultClusterId,
    };

    /// <summary>
    /// The address a worker listens on and advertises: loopback unless the user names another address of this machine.
    /// The wildcard (0.0.0.0) is refused: Orleans advertises the address to other silos, so it must be a real one.
    /// </summary>
    public static Option<IPAddress> AddressOption() => new("--address")
    {
        Description = "IP address this worker listens on and advertises to the cluster (default 127.0.0.1: loopback only). " +
            "Give one of this machine's addresses to let other machines reach it.",
        HelpName = "IP",
        DefaultValueFactory = _ => IPAddress.Loopback,
        CustomParser = ParseAddress,
    };

    private static IPAddress ParseAddress(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Single().Value;
        if (!IPAddress.TryParse(text, out IPAddress? address))
        {
            result.AddError($"--address: '{text}' is not an IP address.");
            return IPAddress.Loopback;
        }
        IPAddress[] own = MachineAddresses();
        if (!IPAddress.IsLoopback(address) && !own.Contains(address))
            result.AddError($"--address: {address} is not an address of this machine (its addresses: {string.Join(", ", own.Select(a => a.ToString()))}).");
        return address;
    }

    /// <summary>The unicast addresses of this machine's network interfaces.</summary>
    public static IPAddress[] MachineAddresses() => NetworkInterface.GetAllNetworkInterfaces()
        .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address).ToArray();

    /// <summary>
    /// A started Orleans client of the cluster: through PostgreSQL membership when <paramref name="postgres"/> is given,
    /// else through the local gateway ports; null when neither was given (children then train in this process).
    /// </summary>
    public static IHost? Connect(int[]? gatewayPorts, string? postgres, string clusterId, X509Certificate2? certificate)
    {
        if (gatewayPorts is not { Length: > 0 } && postgres is null) return null;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        QuietLogging(builder.Logging);
        builder.UseOrleansClient(client =>
        {
            if (certificate != null) client.UseTls(certificate, o => ClusterTlsOptions.Configure(o, certificate));
            if (postgres is null)
            {
                client.UseLocalhostClustering(gatewayPorts!, ServiceId, clusterId);
                return;
            }
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (NpgsqlInvariant, postgres));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
        });
        IHost host = builder.Build();
        host.Start();
        Console.WriteLine(postgres is null
            ? $"connected to the Orleans cluster '{clusterId}' through gateway port(s) {string.Join(", ", gatewayPorts!)}{Tls(certificate)}"
            : $"connected to the Orleans cluster '{clusterId}' through its PostgreSQL membership table{Tls(certificate)}");
        return host;
    }

    /// <summary>How a ready line says the cluster's traffic is protected.</summary>
    public static string Tls(X509Certificate2? certificate) => certificate is null ? "" : $", mutual TLS with certificate {certificate.Thumbprint}";

    /// <summary>
    /// A worker silo's membership and endpoints: PostgreSQL membership when <paramref name="postgres"/> is given, else
    /// localhost clustering with the primary silo at <paramref name="primaryPort"/> on the same address. Silo and
    /// gateway listen on <paramref name="address"/> only, under mutual TLS when a <paramref name="certificate"/> is given.
    /// </summary>
    public static void Join(ISiloBuilder silo, IPAddress address, int siloPort, int gatewayPort, int primaryPort, string? postgres, string clusterId,
        X509Certificate2? certificate)
    {
        if (certificate != null) silo.UseTls(certificate, o => ClusterTlsOptions.Configure(o, certificate));
        if (postgres is null)
            silo.UseDevelopmentClustering(new IPEndPoint(address, primaryPort));
        else
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (NpgsqlInvariant, postgres));
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
        silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: false);
    }

    /// <summary>The trainer for <paramref name="options"/>: the cluster's when connected, this process otherwise.</summary>
    public static void Use(IHost? cluster, ArchitectureSearchOptions options)
    {
        if (cluster != null)
            options.UseOrleansCluster(cluster.Services.GetRequiredService<IClusterClient>());
    }

    /// <summary>Orleans' own messages only from warnings up; the search's (and the worker's) at information.</summary>
    public static void QuietLogging(ILoggingBuilder logging)
    {
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("Microsoft.ML.ArchitectureSearch", LogLevel.Information);
        logging.AddSimpleConsole(o => o.SingleLine = true);
    }

    /// <summary>Membership probes every <paramref name="probeSeconds"/> and two misses to declare a silo dead (default: Orleans').</summary>
    public static void ProbeEvery(ClusterMembershipOptions o, int probeSeconds)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(probeSeconds);
        o.NumMissedProbesLimit = 2;
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(probeSeconds);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(probeSeconds);
    }
}
