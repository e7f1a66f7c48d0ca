using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sdpo.Service.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunExecutionTime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "ExecutedMs",
                table: "runs",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ExecutionStartedAt",
                table: "runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "ExecutedMs",
                table: "run_methods",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ExecutionStartedAt",
                table: "run_methods",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ExecutedMs",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "ExecutionStartedAt",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "ExecutedMs",
                table: "run_methods");

            migrationBuilder.DropColumn(
                name: "ExecutionStartedAt",
                table: "run_methods");
        }
    }
}
