using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// The coordinator's side of <see cref="OrleansCluster"/>: a search command's options that send its children to Orleans
/// workers, found through their gateway ports on this machine or through the cluster's PostgreSQL membership table.
/// </summary>
internal sealed class OrleansClientOptions
{
    private readonly Option<int[]> _gateways = new("--orleans")
    {
        Description = $"Train the children on Orleans workers ('worker' command) through these gateway ports on this machine (e.g. --orleans {OrleansCluster.DefaultGatewayPort} {OrleansCluster.DefaultGatewayPort + 1}); --parallelism is then the children in flight.",
        HelpName = "PORT",
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<string?> _postgres = OrleansCluster.PostgresOption("--orleans-postgres",
        "Train the children on the Orleans workers whose membership is in this PostgreSQL database (Npgsql connection string; workers started with 'worker --postgres').");
    private readonly Option<string> _clusterId = OrleansCluster.ClusterIdOption();
    private readonly ClusterTlsOptions _tls;

    public OrleansClientOptions(System.CommandLine.Command command)
    {
        foreach (Option option in new Option[] { _gateways, _postgres, _clusterId })
            command.Options.Add(option);
        _tls = new ClusterTlsOptions(command, "--orleans-tls", "the coordinator");
        command.Validators.Add(result =>
        {
            if (result.GetValue(_postgres) != null && result.GetValue(_gateways) is { Length: > 0 })
                result.AddError("--orleans (gateway ports on this machine) and --orleans-postgres (gateways from the membership table) are two ways to find the workers: give one.");
        });
    }

    /// <summary>A started client of the workers' cluster, or null when the children train in this process.</summary>
    public IHost? Connect(ParseResult parse) =>
        OrleansCluster.Connect(parse.GetValue(_gateways), parse.GetValue(_postgres), parse.GetValue(_clusterId)!, _tls.Certificate(parse));
}
