using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sdpo.Service.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class BenchmarkRunSeconds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "Seconds",
                table: "benchmark_runs",
                type: "REAL",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Seconds",
                table: "benchmark_runs");
        }
    }
}
