@echo off
rem Run qmt-server in the foreground (Ctrl+C stops it). Extra arguments go to qmt-server.
rem It runs on the Python of the project's virtual environment (.venv, else venv) when there is one, else
rem on the python on PATH: no environment needs to be activated.
setlocal
cd /d "%~dp0.."
set "PYTHON="
if exist "%~dp0..\venv\Scripts\python.exe" set "PYTHON=%~dp0..\venv\Scripts\python.exe"
if exist "%~dp0..\.venv\Scripts\python.exe" set "PYTHON=%~dp0..\.venv\Scripts\python.exe"
if not defined PYTHON (
    where python >nul 2>&1 || (
        echo No .venv\Scripts\python.exe, no venv\Scripts\python.exe and no python on PATH.
        echo Create the environment first: python -m venv .venv ^&^& .venv\Scripts\python -m pip install -e ".[full]"
        exit /b 1
    )
    set "PYTHON=python"
)
rem UTF-8 for Python's streams and files: Chinese log lines survive a redirect to a file or a pipe.
set "PYTHONUTF8=1"
echo Starting qmt-server with %PYTHON%
"%PYTHON%" -m qmt_bridge.server.cli %*
exit /b %ERRORLEVEL%
