using Npgsql;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// The PostgreSQL database of the membership tests: its Npgsql connection string in ARCHSEARCH_TEST_POSTGRES, which
/// .ci/run sets after starting a private server with scripts/orleans-postgresql/server.sh (schema included).
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "ARCHSEARCH_TEST_POSTGRES";

    public static string ConnectionString => Environment.GetEnvironmentVariable(Variable)
        ?? throw new InvalidOperationException($"{Variable} is not set.");

    /// <summary>Why the membership tests cannot run here (no server, or one without the Orleans schema); null when they can.</summary>
    public static string? WhyUnavailable()
    {
        string? connection = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connection))
            return $"{Variable} is not set: start a server with 'bash scripts/orleans-postgresql/server.sh start DIR' (as .ci/run does) and set it to the connection string printed.";
        try
        {
            using var open = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connection) { Timeout = 5 }.ConnectionString);
            open.Open();
            using var query = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", open);
            long queries = (long)query.ExecuteScalar()!;
            return queries == 9 ? null : $"The database at {Variable} holds {queries} Orleans queries, not the 9 of scripts/orleans-postgresql/membership.sql.";
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            return $"PostgreSQL at {Variable} is not reachable: {e.Message}";
        }
    }
}

/// <summary>A test that needs <see cref="TestPostgres"/>: reported as skipped, with the reason, where it is unavailable.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = TestPostgres.WhyUnavailable();
}
