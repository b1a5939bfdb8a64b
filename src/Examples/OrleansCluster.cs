using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// The examples' Orleans cluster on one machine: localhost clustering (loopback only), the first worker's silo port as
/// the primary that holds the membership table. Workers (<see cref="WorkerCommand"/>) and coordinators share these settings.
/// </summary>
internal static class OrleansCluster
{
    public const string ClusterId = "architecture-search";
    public const string ServiceId = "architecture-search";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    /// <summary>The coordinator side: gateway ports of the workers to connect to; the search then trains its children there.</summary>
    public static Option<int[]> GatewaysOption() => new("--orleans")
    {
        Description = $"Train the children on Orleans workers ('worker' command) through these gateway ports on this machine (e.g. --orleans {DefaultGatewayPort} {DefaultGatewayPort + 1}); --parallelism is then the children in flight.",
        HelpName = "PORT",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>A started Orleans client of the local cluster, or null when no gateway port was given.</summary>
    public static IHost? Connect(int[]? gatewayPorts)
    {
        if (gatewayPorts is not { Length: > 0 }) return null;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        QuietLogging(builder.Logging);
        builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPorts, ServiceId, ClusterId));
        IHost host = builder.Build();
        host.Start();
        Console.WriteLine($"connected to the Orleans cluster through gateway port(s) {string.Join(", ", gatewayPorts)}");
        return host;
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
