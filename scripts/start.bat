@echo off
rem Run qmt-server in the foreground (Ctrl+C stops it). Extra arguments go to qmt-server.
cd /d "%~dp0.."
qmt-server %*
