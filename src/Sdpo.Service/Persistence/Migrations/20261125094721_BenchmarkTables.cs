using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sdpo.Service.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class BenchmarkTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                table: "benchmarks",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "FailureReason",
                table: "benchmarks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Model",
                table: "benchmarks",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "StartedAt",
                table: "benchmarks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "benchmark_events",
                columns: table => new
                {
                    BenchmarkId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    IsFinal = table.Column<bool>(type: "INTEGER", nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_benchmark_events", x => new { x.BenchmarkId, x.Sequence });
                    table.ForeignKey(
                        name: "FK_benchmark_events_benchmarks_BenchmarkId",
                        column: x => x.BenchmarkId,
                        principalTable: "benchmarks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "benchmark_problems",
                columns: table => new
                {
                    BenchmarkId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    SpecJson = table.Column<string>(type: "TEXT", nullable: false),
                    Label = table.Column<string>(type: "TEXT", nullable: false),
                    Selected = table.Column<bool>(type: "INTEGER", nullable: true),
                    ScreenedSamples = table.Column<int>(type: "INTEGER", nullable: false),
                    ScreenedPasses = table.Column<int>(type: "INTEGER", nullable: false),
                    BasePassAtK = table.Column<double>(type: "REAL", nullable: true),
                    ScreeningNote = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_benchmark_problems", x => new { x.BenchmarkId, x.Index });
                    table.ForeignKey(
                        name: "FK_benchmark_problems_benchmarks_BenchmarkId",
                        column: x => x.BenchmarkId,
                        principalTable: "benchmarks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "benchmark_runs",
                columns: table => new
                {
                    BenchmarkId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Order = table.Column<int>(type: "INTEGER", nullable: false),
                    ProblemIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    Purpose = table.Column<string>(type: "TEXT", nullable: false),
                    Method = table.Column<string>(type: "TEXT", nullable: false),
                    Seed = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    RunId = table.Column<Guid>(type: "TEXT", nullable: true),
                    SubmittedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    AttemptsToDiscovery = table.Column<int>(type: "INTEGER", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_benchmark_runs", x => new { x.BenchmarkId, x.Order });
                    table.ForeignKey(
                        name: "FK_benchmark_runs_benchmarks_BenchmarkId",
                        column: x => x.BenchmarkId,
                        principalTable: "benchmarks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_benchmarks_Status",
                table: "benchmarks",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_benchmark_runs_RunId",
                table: "benchmark_runs",
                column: "RunId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "benchmark_events");

            migrationBuilder.DropTable(
                name: "benchmark_problems");

            migrationBuilder.DropTable(
                name: "benchmark_runs");

            migrationBuilder.DropIndex(
                name: "IX_benchmarks_Status",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "CancelRequested",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "FailureReason",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Model",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "StartedAt",
                table: "benchmarks");
        }
    }
}
