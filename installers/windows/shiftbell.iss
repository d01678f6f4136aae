; Inno Setup script: a per-user install of the PyInstaller bundle (dist\shiftbell), with a
; Start-menu entry and an optional "start at login" (the per-user Run key, the same value
; `shiftbell autostart on` writes). Built by .github/workflows/installers.yml on Windows:
;   iscc /DAppVersion=0.1.0 installers\windows\shiftbell.iss
; Not built on the Debian machines this project is developed on.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F1E3B52-7A0C-4C8E-9B2D-5A1F0C3E7D41}
AppName=Shiftbell
AppVersion={#AppVersion}
AppPublisher=The Shiftbell authors
DefaultDirName={localappdata}\Programs\Shiftbell
DefaultGroupName=Shiftbell
; Per user: no administrator rights, nothing for other users of the machine.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=shiftbell-{#AppVersion}-windows-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
LicenseFile=..\..\LICENSE
UninstallDisplayIcon={app}\shiftbell.exe
CloseApplications=yes

[Tasks]
Name: "autostart"; Description: "Start Shiftbell when I log in"; GroupDescription: "Start-up:"

[Files]
Source: "..\..\dist\shiftbell\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Shiftbell"; Filename: "{app}\shiftbell.exe"; Parameters: "run --show"
Name: "{group}\Uninstall Shiftbell"; Filename: "{uninstallexe}"

[Registry]
; The value `shiftbell autostart on` writes (system/autostart.py), removed on uninstall.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; \
  ValueName: "Shiftbell"; ValueData: """{app}\shiftbell.exe"" run --autostart"; \
  Flags: uninsdeletevalue; Tasks: autostart

[Run]
Filename: "{app}\shiftbell.exe"; Parameters: "run --show"; Description: "Start Shiftbell now"; \
  Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{app}\shiftbell.exe"; Parameters: "autostart off"; Flags: runhidden; RunOnceId: "autostart-off"

[Code]
// The person's config, alerts and history (%LOCALAPPDATA%\shiftbell) stay unless they ask.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Data: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    Data := ExpandConstant('{localappdata}\shiftbell');
    if DirExists(Data) and (MsgBox('Also delete your Shiftbell settings, alerts and history in '
        + Data + '?', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES) then
      DelTree(Data, True, True, True);
  end;
end;
